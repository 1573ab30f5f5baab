"""Words the demo's project library is made of: what each industry builds, who
invests, where. Data only; ``library.py`` draws projects from it."""

from __future__ import annotations

# industry code: (weight, parks it settles in, [(product, English, capacity unit,
# English unit, capacity range)]). Capacity 0: no "annual output" in the name;
# a unit in 万 or 亿 is counted out in English (23万吨: 230,000 tonnes).
INDUSTRIES: dict[str, tuple[int, tuple[str, ...], list[tuple[str, str, str, str, int, int]]]] = {
    "equipment": (
        22,
        ("LYHT-ZZY",),
        [
            ("高端数控机床", "high-end CNC machine tools", "台", "units", 200, 2000),
            ("盾构机关键部件", "tunnel boring machine parts", "套", "sets", 50, 400),
            ("风电主轴轴承", "wind turbine main bearings", "套", "sets", 500, 5000),
            ("矿山智能装备", "smart mining equipment", "台", "units", 100, 800),
            ("精密减速器", "precision reducers", "万台", "units", 5, 60),
            ("农机装备智能制造", "smart farm machinery", "台", "units", 1000, 10000),
        ],
    ),
    "robots": (
        10,
        ("LYHT-ZZY",),
        [
            ("工业机器人整机", "industrial robots", "台", "units", 500, 5000),
            ("特种巡检机器人", "inspection robots", "台", "units", 200, 3000),
            ("协作机器人关节模组", "cobot joint modules", "万套", "sets", 1, 20),
            ("智能物流装备", "smart logistics equipment", "套", "sets", 100, 1500),
        ],
    ),
    "hydrogen": (
        9,
        ("LYHT-ZZY", "LYHT-XCY"),
        [
            ("氢燃料电池电堆", "fuel cell stacks", "套", "sets", 1000, 20000),
            ("电解水制氢装备", "water electrolysers", "台", "units", 50, 500),
            ("储氢瓶", "hydrogen storage cylinders", "万只", "cylinders", 1, 10),
            ("加氢站", "hydrogen refuelling station", "", "", 0, 0),
        ],
    ),
    "new-materials": (
        16,
        ("LYHT-XCY",),
        [
            ("钛合金板材", "titanium alloy sheet", "吨", "tonnes", 2000, 30000),
            ("高纯硅材料", "high-purity silicon", "吨", "tonnes", 1000, 20000),
            ("高性能铝合金型材", "high-performance aluminium profiles", "万吨", "tonnes", 2, 30),
            ("碳纤维复合材料", "carbon fibre composites", "吨", "tonnes", 500, 10000),
            ("特种玻璃", "special glass", "万平方米", "m²", 50, 800),
            ("钼钨新材料", "molybdenum and tungsten materials", "吨", "tonnes", 1000, 15000),
        ],
    ),
    "biomedicine": (
        11,
        ("LYHT-SYY",),
        [
            ("动物疫苗", "animal vaccines", "亿头份", "doses", 1, 30),
            ("生物制剂", "biologics", "万支", "vials", 100, 3000),
            ("医疗器械", "medical devices", "万台", "units", 1, 50),
            ("原料药", "active pharmaceutical ingredients", "吨", "tonnes", 50, 1000),
            ("中药配方颗粒", "herbal granules", "吨", "tonnes", 500, 5000),
        ],
    ),
    "new-energy": (
        11,
        ("LYHT-XCY",),
        [
            ("光伏组件", "solar modules", "GW", "GW", 1, 10),
            ("锂电池储能系统", "battery energy storage", "GWh", "GWh", 1, 20),
            ("分布式光伏电站", "distributed solar plant", "MW", "MW", 10, 200),
            ("新能源汽车零部件", "new-energy vehicle parts", "万套", "sets", 5, 100),
        ],
    ),
    "coal-chemicals": (
        4,
        ("LYHT-XCY",),
        [
            ("煤基新材料", "coal-based materials", "万吨", "tonnes", 5, 60),
            ("焦炉煤气综合利用", "coke oven gas recovery", "万立方米", "m³", 1000, 20000),
        ],
    ),
    "big-data": (
        8,
        (),
        [
            ("数据中心", "data centre", "个机柜", "racks", 500, 5000),
            ("工业互联网平台", "industrial internet platform", "", "", 0, 0),
            ("智能传感器", "smart sensors", "万只", "sensors", 50, 2000),
            ("软件和信息服务园", "software and IT services park", "", "", 0, 0),
        ],
    ),
    "energy-saving": (
        5,
        ("LYHT-XCY", "LYHT-ZZY"),
        [
            ("固废资源化利用", "solid waste recycling", "万吨", "tonnes", 5, 100),
            ("节能环保装备", "energy-saving equipment", "台", "units", 200, 3000),
            ("污水处理厂提标改造", "sewage plant upgrade", "", "", 0, 0),
        ],
    ),
    "modern-services": (
        4,
        (),
        [
            ("现代物流园", "modern logistics park", "", "", 0, 0),
            ("科技企业孵化器", "technology incubator", "", "", 0, 0),
            ("检验检测认证中心", "testing and certification centre", "", "", 0, 0),
        ],
    ),
}

PLACES = ("洛阳", "河南", "中原", "洛阳高新", "伊洛", "涧西", "河洛", "中州", "龙门", "嵩岳")
BRANDS = (
    "中科",
    "宏远",
    "瑞丰",
    "恒信",
    "华睿",
    "金鼎",
    "博远",
    "同创",
    "天成",
    "鼎盛",
    "智航",
    "九州",
    "新锐",
    "卓越",
    "汇能",
    "启明",
    "盛世",
    "东方",
    "国泰",
    "长城",
)
TRADES = {
    "equipment": "装备",
    "robots": "智能科技",
    "hydrogen": "氢能科技",
    "new-materials": "新材料",
    "biomedicine": "生物科技",
    "new-energy": "新能源",
    "coal-chemicals": "化工",
    "big-data": "数据科技",
    "energy-saving": "环保科技",
    "modern-services": "实业",
}
COMPANY_FORMS = ("有限公司", "股份有限公司", "集团有限公司")
PHASES = ("", "", "", "一期", "二期", "扩建")
PHASES_EN = {"": "", "一期": ", phase I", "二期": ", phase II", "扩建": ", expansion"}

PAUSE_REASONS = (
    "投资方资金未到位，暂缓建设",
    "项目用地规划调整，暂停推进",
    "市场变化，企业调整投资计划",
)
CANCEL_REASONS = (
    "投资方战略调整，终止合作",
    "项目未通过能评审查，取消",
)
INVESTMENT_NOTES = ("按进度完成投资", "主体工程施工", "设备采购安装", "厂房建设", "")
