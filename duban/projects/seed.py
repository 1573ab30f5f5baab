"""The industries every office starts with (a managed list: the office adds,
renames and retires them in Administration)."""

from __future__ import annotations

from typing import Any

from .models import Industry

INDUSTRIES = [
    ("hydrogen", "氢能", "Hydrogen", "氢能源"),
    ("robots", "机器人", "Robots", "智能机器人\n工业机器人"),
    ("biomedicine", "生物医药", "Biomedicine", "医药\n生物医药及医疗器械"),
    ("new-materials", "新材料", "New materials", ""),
    ("equipment", "装备制造", "Equipment manufacturing", "高端装备\n高端装备制造"),
    ("coal-chemicals", "现代煤化工", "Modern coal chemicals", "煤化工"),
    ("new-energy", "新能源", "New energy", "光伏\n风电"),
    ("big-data", "大数据", "Big data", "数字经济\n电子信息"),
    ("energy-saving", "节能环保", "Energy saving and environment", "节能\n环保"),
    ("modern-services", "现代服务业", "Modern services", "服务业"),
    ("other", "其他", "Other", ""),
]


def seed_industries(model: Any = None) -> None:
    """Create the starting industries that are missing (idempotent)."""
    if model is None:
        model = Industry
    for position, (code, name, name_en, aliases) in enumerate(INDUSTRIES):
        model.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "aliases": aliases, "position": position},
        )
