"""The demo office: a national high-tech zone in the making.

Everything here is data; ``build.py`` turns it into units, people, a plan,
twelve weekly meetings and three months of reports through the real services.

Day offsets: for the plan's tasks and measures they count from today
(``deadline=60`` is sixty days from now, ``close=-20`` twenty days ago); for a
meeting's assignments they count from the meeting's date, except that an event
offset below zero counts back from today (``close=-1``: yesterday).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASSWORD = "duban-demo"  # noqa: S105 (the published demo password)
ROOT_CODE = "LYHT"


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None = ROOT_CODE
    short_name: str = ""
    aliases: str = ""
    runs_office: bool = False  # its own supervision office (a second office in the demo)


@dataclass(frozen=True)
class PersonSpec:
    username: str
    full_name: str
    title: str
    role: str
    units: tuple[str, ...] = ()
    login: bool = False  # a demo login with the published password


@dataclass(frozen=True)
class DeadlineMove:
    day: int  # when the lead unit asks
    new_deadline: int
    reason: str
    decision: str = "approve"  # approve, reject or pending
    comment: str = ""


@dataclass(frozen=True)
class InstructionSpec:
    day: int
    leader: str  # username
    text: str
    read: bool = False


@dataclass(frozen=True)
class TaskSpec:
    title: str
    title_en: str
    lead: str  # unit code
    co: tuple[str, ...] = ()
    serial: str = ""
    leader: str = ""  # username; measures default to their task's leader
    deadline: int = 60
    long_term: bool = False  # 长期坚持: no deadline (``deadline`` is then ignored)
    cadence: str = "weekly"
    metric: str = ""
    metric_unit: str = ""
    target: str | None = None
    baseline: str = "0"
    description: str = ""
    steps: tuple[str, ...] = ()
    # How the lead unit works on it.
    claim: int | None = 1  # claimed this many days after the start; None: not yet
    pace: float = 1.0  # share of the planned progress actually made
    miss: float = 0.06  # chance a period goes unreported
    late: float = 0.12  # chance a report comes in after its due date
    silent_weeks: int = 0  # nothing reported in the last N periods (inaction)
    close: int | None = None  # closing requested on this day
    close_decision: str = "approve"  # approve, pending or returned (sent back, then approved)
    returned_open: bool = False  # the latest reviewed report is returned and not yet revised
    moves: tuple[DeadlineMove, ...] = ()
    instructions: tuple[InstructionSpec, ...] = ()


@dataclass(frozen=True)
class PlanTaskSpec:
    task: TaskSpec
    measures: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class MeetingSpec:
    number: int
    chair: str
    notes: str
    tasks: tuple[TaskSpec, ...] = field(default_factory=tuple)


# --- units ---------------------------------------------------------------------

UNITS: tuple[UnitSpec, ...] = (
    UnitSpec(
        ROOT_CODE,
        "洛阳高新区管委会",
        "Luoyang High-tech Zone Management Committee",
        "committee",
        parent=None,
        short_name="管委会",
        aliases="洛阳高新技术产业开发区管理委员会、高新区管委会",
    ),
    # Six departments.
    UnitSpec(
        "LYHT-DZB",
        "党政办公室",
        "Party and Government Office",
        "department",
        short_name="党政办",
        aliases="综合协调部、党群工作部",
    ),
    UnitSpec(
        "LYHT-DCS",
        "督查室",
        "Supervision Office",
        "other",
        parent="LYHT-DZB",
        short_name="督查室",
        aliases="督查督办室",
    ),
    UnitSpec(
        "LYHT-JFB",
        "经济发展部",
        "Economic Development Department",
        "department",
        short_name="经发部",
        aliases="经济发展局、科技经济部",
    ),
    UnitSpec(
        "LYHT-GJB",
        "规划建设部",
        "Planning and Construction Department",
        "department",
        short_name="规建部",
        aliases="规划建设局",
    ),
    UnitSpec(
        "LYHT-CJB",
        "财政金融部",
        "Finance Department",
        "department",
        short_name="财金部",
        aliases="财政局",
    ),
    UnitSpec(
        "LYHT-ZSB",
        "招商和企业服务部",
        "Investment Promotion and Enterprise Services Department",
        "department",
        short_name="招商部",
        aliases="企服部、招商局",
    ),
    UnitSpec(
        "LYHT-SSB",
        "社会事务部",
        "Social Affairs Department",
        "department",
        short_name="社事部",
    ),
    # Three centers.
    UnitSpec(
        "LYHT-ZWZX",
        "政务服务中心",
        "Government Services Center",
        "center",
        short_name="政务中心",
        aliases="政务服务和大数据中心",
    ),
    UnitSpec(
        "LYHT-ZFZX",
        "综合执法中心",
        "Comprehensive Law Enforcement Center",
        "center",
        short_name="执法中心",
        aliases="综合行政执法大队",
    ),
    UnitSpec(
        "LYHT-KCZX",
        "科技创新中心",
        "Science and Technology Innovation Center",
        "center",
        short_name="科创中心",
        aliases="科技创新服务中心",
    ),
    # One zone, three parks.
    UnitSpec(
        "LYHT-ZZY",
        "洛阳高新区装备制造产业园",
        "Equipment Manufacturing Industrial Park",
        "park",
        short_name="装备制造园",
        aliases="装备园",
    ),
    UnitSpec(
        "LYHT-XCY",
        "洛阳高新区新材料产业园",
        "New Materials Industrial Park",
        "park",
        short_name="新材料园",
    ),
    UnitSpec(
        "LYHT-SYY",
        "洛阳高新区生物医药产业园",
        "Biomedicine Industrial Park",
        "park",
        short_name="生物医药园",
        aliases="医药园",
    ),
    # Towns.
    # 辛店镇 runs its own supervision office: its own meetings, notice numbers,
    # reviews and quarter, over the town's offices and villages below.
    UnitSpec(
        "LYHT-XDZ", "辛店镇", "Xindian Town", "district", short_name="辛店镇", runs_office=True
    ),
    UnitSpec(
        "XDZ-DZB",
        "辛店镇党政综合办公室",
        "Xindian Town Party and Government Office",
        "department",
        parent="LYHT-XDZ",
        short_name="镇党政办",
    ),
    UnitSpec(
        "XDZ-JJB",
        "辛店镇经济发展办公室",
        "Xindian Town Economic Development Office",
        "department",
        parent="LYHT-XDZ",
        short_name="镇经发办",
    ),
    UnitSpec(
        "XDZ-CJB",
        "辛店镇村镇建设办公室",
        "Xindian Town Construction Office",
        "department",
        parent="LYHT-XDZ",
        short_name="镇村建办",
    ),
    UnitSpec(
        "XDZ-XDC",
        "辛店村",
        "Xindian Village",
        "district",
        parent="LYHT-XDZ",
        short_name="辛店村",
    ),
    UnitSpec("LYHT-FLZ", "丰李镇", "Fengli Town", "district", short_name="丰李镇"),
    UnitSpec("LYHT-SQT", "孙旗屯乡", "Sunqitun Township", "district", short_name="孙旗屯乡"),
    # Management committee + company.
    UnitSpec(
        "LYHT-FZJT",
        "洛阳高新区发展集团有限公司",
        "Luoyang High-tech Zone Development Group",
        "company",
        short_name="发展集团",
        aliases="高新区发展集团、高新集团",
    ),
    # The leading group, its office and its member units from the city.
    UnitSpec(
        "LYHT-LDXZ",
        "创建国家高新区工作领导小组",
        "Leading Group for Creating a National High-tech Zone",
        "leading_group",
        parent=ROOT_CODE,
        short_name="创建领导小组",
        aliases="创建工作领导小组",
    ),
    UnitSpec(
        "LYHT-CJB-OFFICE",
        "创建国家高新区工作领导小组办公室",
        "Office of the Leading Group",
        "other",
        parent="LYHT-LDXZ",
        short_name="创建办",
        aliases="领导小组办公室",
    ),
    UnitSpec(
        "LY-KJJ",
        "洛阳市科学技术局",
        "Luoyang Municipal Science and Technology Bureau",
        "other",
        parent="LYHT-LDXZ",
        short_name="市科技局",
    ),
    UnitSpec(
        "LY-FGW",
        "洛阳市发展和改革委员会",
        "Luoyang Municipal Development and Reform Commission",
        "other",
        parent="LYHT-LDXZ",
        short_name="市发改委",
    ),
    UnitSpec(
        "LY-GXJ",
        "洛阳市工业和信息化局",
        "Luoyang Municipal Bureau of Industry and Information Technology",
        "other",
        parent="LYHT-LDXZ",
        short_name="市工信局",
    ),
)


# The leading group's member units: the zone's departments and centers that
# carry the plan, and the city bureaus that sit on the group.
LEADING_GROUP = "LYHT-LDXZ"
LEADING_GROUP_MEMBERS = (
    "LYHT-JFB",
    "LYHT-CJB",
    "LYHT-ZSB",
    "LYHT-GJB",
    "LYHT-KCZX",
    "LYHT-ZWZX",
    "LY-KJJ",
    "LY-FGW",
    "LY-GXJ",
)

# --- people --------------------------------------------------------------------

PEOPLE: tuple[PersonSpec, ...] = (
    # 三员分立: the three administrators, each with their own login.
    PersonSpec("admin", "系统管理员", "系统管理员", "admin", login=True),
    PersonSpec("security", "安全管理员", "安全保密管理员", "security", login=True),
    PersonSpec("auditor", "审计管理员", "安全审计员", "auditor", login=True),
    PersonSpec("office", "周敏", "督查室科员", "office", ("LYHT-DCS", ROOT_CODE), login=True),
    PersonSpec(
        "huang.tao", "黄涛", "党政办公室副主任、督查室主任", "office", ("LYHT-DCS", ROOT_CODE)
    ),
    PersonSpec("leader", "李志强", "管委会副主任", "leader", (ROOT_CODE,), login=True),
    PersonSpec("wang.lixin", "王立新", "党工委副书记、管委会主任", "leader", (ROOT_CODE,)),
    PersonSpec("chen.jing", "陈静", "管委会副主任", "leader", (ROOT_CODE,)),
    PersonSpec("zhao.weidong", "赵卫东", "党工委委员、管委会副主任", "leader", (ROOT_CODE,)),
    PersonSpec("liaison", "刘洋", "经济发展部联络员", "liaison", ("LYHT-JFB",), login=True),
    PersonSpec("liaison2", "孙悦", "科技创新中心联络员", "liaison", ("LYHT-KCZX",), login=True),
    PersonSpec("lx.dzb", "马丽", "党政办公室联络员", "liaison", ("LYHT-DZB",)),
    PersonSpec("lx.gjb", "郭鹏", "规划建设部联络员", "liaison", ("LYHT-GJB",)),
    PersonSpec("lx.cjb", "杜娟", "财政金融部联络员", "liaison", ("LYHT-CJB",)),
    PersonSpec("lx.zsb", "韩磊", "招商和企业服务部联络员", "liaison", ("LYHT-ZSB",)),
    PersonSpec("lx.ssb", "宋佳", "社会事务部联络员", "liaison", ("LYHT-SSB",)),
    PersonSpec("lx.zwzx", "许文博", "政务服务中心联络员", "liaison", ("LYHT-ZWZX",)),
    PersonSpec("lx.zfzx", "冯超", "综合执法中心联络员", "liaison", ("LYHT-ZFZX",)),
    PersonSpec("lx.zzy", "曹凯", "装备制造产业园联络员", "liaison", ("LYHT-ZZY",)),
    PersonSpec("lx.xcy", "田甜", "新材料产业园联络员", "liaison", ("LYHT-XCY",)),
    PersonSpec("lx.syy", "彭飞", "生物医药产业园联络员", "liaison", ("LYHT-SYY",)),
    PersonSpec("lx.xdz", "吕红梅", "辛店镇联络员", "liaison", ("LYHT-XDZ",)),
    PersonSpec("lx.flz", "袁亮", "丰李镇联络员", "liaison", ("LYHT-FLZ",)),
    PersonSpec("lx.sqt", "魏琳", "孙旗屯乡联络员", "liaison", ("LYHT-SQT",)),
    PersonSpec("lx.fzjt", "邓晓峰", "发展集团联络员", "liaison", ("LYHT-FZJT",)),
    PersonSpec("lx.cjbgs", "蒋雪", "创建办联络员", "liaison", ("LYHT-CJB-OFFICE",)),
    # The town's own office (a second office under the zone).
    PersonSpec("office2", "王静", "辛店镇督查专干", "office", ("XDZ-DZB", "LYHT-XDZ"), login=True),
    PersonSpec("leader2", "赵刚", "辛店镇镇长", "leader", ("LYHT-XDZ",), login=True),
    PersonSpec("liaison3", "周凯", "辛店镇经发办联络员", "liaison", ("XDZ-JJB",), login=True),
    PersonSpec("lx.xdz.cjb", "孙丽", "辛店镇村镇建设办公室联络员", "liaison", ("XDZ-CJB",)),
    PersonSpec("lx.xdc", "马建国", "辛店村联络员", "liaison", ("XDZ-XDC",)),
)


# --- the plan: 4 tasks, 22 measures ----------------------------------------------

PLAN_TITLE = "{year}年创建国家高新区实施方案"
PLAN_TITLE_EN = "Implementation Plan for Creating a National High-tech Zone, {year}"
PLAN_DESCRIPTION = (
    "对照国家高新区认定标准和评价指标体系，围绕提升自主创新能力、培育壮大创新主体、"
    "优化创新创业生态、推进产业转型升级4项重点任务，细化22条具体措施，"
    "逐项明确牵头单位、配合单位、责任领导和完成时限。"
    "实行“周报告、月督查、季考核”，对不作为、慢作为动态预警督办。"
)

PLAN: tuple[PlanTaskSpec, ...] = (
    PlanTaskSpec(
        TaskSpec(
            "提升自主创新能力",
            "Strengthen independent innovation",
            "LYHT-KCZX",
            ("LYHT-JFB",),
            serial="1",
            leader="leader",
            deadline=200,
            description="建设高水平研发平台，提高研发投入强度，加快科技成果转移转化。",
        ),
        (
            TaskSpec(
                "建设高水平研发平台",
                "Build high-level R&D platforms",
                "LYHT-KCZX",
                ("LYHT-JFB", "LY-KJJ"),
                serial="1.1",
                deadline=150,
                metric="新增省级以上研发平台",
                metric_unit="个",
                target="10",
                steps=(
                    "完成辖区企业研发平台摸底，梳理出拟申报省级工程技术研究中心的企业18家",
                    "组织拟申报企业召开申报辅导会，逐家对接、完善申报材料",
                    "首批申报企业通过省科技厅形式审查，正在准备专家答辩",
                    "新获批省级工程技术研究中心和重点实验室，继续推进后续批次申报",
                ),
                instructions=(
                    InstructionSpec(
                        -10,
                        "chen.jing",
                        "研发平台是创建评价的硬指标，科创中心要紧盯省科技厅评审节点，"
                        "对答辩企业逐一辅导，确保应报尽报、应批尽批。",
                        read=True,
                    ),
                ),
            ),
            TaskSpec(
                "提高全社会研发投入强度",
                "Raise R&D spending as a share of GDP",
                "LYHT-JFB",
                ("LYHT-CJB", "LYHT-KCZX"),
                serial="1.2",
                deadline=200,
                cadence="monthly",
                metric="R&D投入强度",
                metric_unit="%",
                target="2.5",
                baseline="1.9",
                steps=(
                    "对规上企业研发投入开展摸底，建立重点企业研发投入监测台账",
                    "指导企业规范研发费用归集，完成月度研发投入数据填报",
                    "会同统计部门核查研发投入数据，推动重点企业加大研发投入",
                ),
            ),
            TaskSpec(
                "与高校院所共建新型研发机构",
                "Set up new-type R&D institutes with universities",
                "LYHT-KCZX",
                ("LYHT-ZSB",),
                serial="1.3",
                deadline=30,
                metric="新增新型研发机构",
                metric_unit="家",
                target="3",
                close=-6,
                steps=(
                    "与河南科技大学、洛阳理工学院对接共建意向",
                    "完成两家新型研发机构共建协议签订",
                    "第三家新型研发机构完成注册登记并揭牌运行",
                ),
            ),
            TaskSpec(
                "加快科技成果转移转化",
                "Speed up technology transfer",
                "LYHT-KCZX",
                ("LYHT-ZWZX",),
                serial="1.4",
                deadline=180,
                cadence="monthly",
                metric="技术合同成交额",
                metric_unit="亿元",
                target="15",
                steps=(
                    "组织技术经纪人培训，推动企业技术合同认定登记",
                    "举办科技成果对接会，促成一批校企合作项目",
                    "技术合同登记额稳步增长，持续开展“送服务进企业”",
                ),
            ),
            TaskSpec(
                "强化知识产权创造和保护",
                "Create and protect more intellectual property",
                "LYHT-ZFZX",
                ("LYHT-KCZX",),
                serial="1.5",
                deadline=-9,
                metric="新增发明专利授权",
                metric_unit="件",
                target="200",
                pace=0.8,
                steps=(
                    "开展知识产权“一企一档”建档工作",
                    "组织专利代理机构进园区开展专利挖掘",
                    "开展知识产权侵权专项执法检查",
                    "推动高价值专利培育，跟踪专利授权进度",
                ),
            ),
            TaskSpec(
                "建设中试基地和公共检验检测平台",
                "Build a pilot-scale base and a public testing platform",
                "LYHT-FZJT",
                ("LYHT-ZZY",),
                serial="1.6",
                deadline=120,
                pace=0.6,
                steps=(
                    "完成中试基地选址和建设方案编制",
                    "公共检验检测平台设备采购进入招标程序",
                    "中试基地厂房改造施工，检测设备陆续进场",
                ),
            ),
        ),
    ),
    PlanTaskSpec(
        TaskSpec(
            "培育壮大创新主体",
            "Grow innovative enterprises",
            "LYHT-JFB",
            ("LYHT-KCZX", "LYHT-ZSB"),
            serial="2",
            leader="leader",
            deadline=200,
            description="实施高新技术企业倍增计划，梯次培育科技型中小企业和专精特新企业。",
        ),
        (
            TaskSpec(
                "实施高新技术企业倍增计划",
                "Double the number of high-tech enterprises",
                "LYHT-JFB",
                ("LYHT-KCZX", "LYHT-ZZY", "LYHT-XCY", "LYHT-SYY", "LY-KJJ"),
                serial="2.1",
                deadline=150,
                metric="新增高新技术企业",
                metric_unit="家",
                target="30",
                returned_open=True,
                steps=(
                    "建立高新技术企业后备库，入库企业56家",
                    "组织后备企业参加高企认定政策培训，逐家开展申报辅导",
                    "已提交高企认定申报材料的企业进入专家评审阶段",
                    "首批企业通过认定公示，启动下一批后备企业培育",
                ),
                instructions=(
                    InstructionSpec(
                        -3,
                        "leader",
                        "高新技术企业数量是创建国家高新区的核心指标，请经发部逐家建立培育台账，"
                        "明确帮扶责任人，每周报告进展。",
                    ),
                ),
            ),
            TaskSpec(
                "壮大科技型中小企业群体",
                "Grow the pool of tech-based SMEs",
                "LYHT-KCZX",
                ("LYHT-JFB",),
                serial="2.2",
                deadline=120,
                metric="入库科技型中小企业",
                metric_unit="家",
                target="150",
                steps=(
                    "梳理辖区符合条件的中小企业名单，开展政策宣讲",
                    "组织企业在线填报科技型中小企业评价信息",
                    "配合市科技局完成入库企业审核，持续扩大入库规模",
                ),
            ),
            TaskSpec(
                "培育专精特新中小企业",
                "Grow specialised and sophisticated SMEs",
                "LYHT-JFB",
                ("LYHT-ZSB",),
                serial="2.3",
                deadline=30,
                metric="新增省级专精特新中小企业",
                metric_unit="家",
                target="12",
                pace=0.9,
                steps=(
                    "筛选专精特新培育企业22家，建立培育库",
                    "组织培育企业参加省工信厅申报培训",
                    "完成培育企业申报材料审核并推荐上报",
                ),
                moves=(
                    DeadlineMove(
                        -2,
                        75,
                        "省工信厅本年度第二批专精特新认定时间推迟，企业申报结果须待批次公布，"
                        "申请顺延至认定结果公布后。",
                        decision="pending",
                    ),
                ),
            ),
            TaskSpec(
                "引育高层次人才团队",
                "Attract high-level talent teams",
                "LYHT-ZSB",
                ("LYHT-SSB", "LYHT-DZB"),
                serial="2.4",
                deadline=150,
                metric="引进高层次人才团队",
                metric_unit="个",
                target="8",
                steps=(
                    "梳理企业人才需求清单，对接“河洛英才计划”申报",
                    "赴高校开展专场引才活动，签约人才团队",
                    "落实人才公寓和安家补贴，做好人才服务保障",
                ),
            ),
            TaskSpec(
                "推动企业上市挂牌",
                "Help enterprises list on stock markets",
                "LYHT-CJB",
                ("LYHT-JFB",),
                serial="2.5",
                deadline=180,
                metric="新增上市挂牌企业",
                metric_unit="家",
                target="3",
                pace=0.7,
                steps=(
                    "建立上市后备企业资源库，入库企业15家",
                    "邀请券商、会计师事务所为后备企业开展上市辅导",
                    "一家企业完成股改，进入上市辅导备案",
                ),
            ),
            TaskSpec(
                "推动规上工业企业研发活动全覆盖",
                "Bring R&D activity to every industrial firm above designated size",
                "LYHT-JFB",
                ("LYHT-KCZX",),
                serial="2.6",
                deadline=150,
                cadence="monthly",
                metric="有研发活动的规上工业企业占比",
                metric_unit="%",
                target="60",
                baseline="38",
                steps=(
                    "逐家排查规上工业企业研发机构和研发活动情况",
                    "对无研发活动企业“一企一策”指导建立研发机构",
                    "新增一批企业开展研发活动，占比持续提升",
                ),
            ),
        ),
    ),
    PlanTaskSpec(
        TaskSpec(
            "优化创新创业生态",
            "Improve the innovation and entrepreneurship ecosystem",
            "LYHT-ZWZX",
            ("LYHT-CJB", "LYHT-FZJT"),
            serial="3",
            leader="chen.jing",
            deadline=200,
            description="建设孵化载体，设立科创基金，深化“放管服”改革，兑现扶持政策。",
        ),
        (
            TaskSpec(
                "建设科技企业孵化器和众创空间",
                "Build incubators and maker spaces",
                "LYHT-FZJT",
                ("LYHT-KCZX",),
                serial="3.1",
                deadline=120,
                metric="新增孵化面积",
                metric_unit="万平方米",
                target="5",
                steps=(
                    "完成科创孵化园一期改造方案",
                    "孵化园主体改造施工，同步开展招引入孵企业",
                    "孵化园一期投入使用，申报市级科技企业孵化器",
                ),
            ),
            TaskSpec(
                "设立科技创新投资基金",
                "Set up a science and technology investment fund",
                "LYHT-CJB",
                ("LYHT-FZJT",),
                serial="3.2",
                deadline=90,
                metric="基金规模",
                metric_unit="亿元",
                target="10",
                steps=(
                    "完成基金设立方案并报管委会主任办公会审议",
                    "遴选基金管理人，开展尽职调查",
                    "完成基金工商注册和中基协备案，首期资金到位",
                ),
                instructions=(
                    InstructionSpec(
                        -15,
                        "zhao.weidong",
                        "基金设立要把好管理人遴选关，坚持市场化运作，首期资金务必按期到位。",
                        read=True,
                    ),
                ),
            ),
            TaskSpec(
                "深化“放管服”改革，推行企业开办“一日办结”",
                "Streamline administration: open a business in one day",
                "LYHT-ZWZX",
                ("LYHT-ZFZX",),
                serial="3.3",
                deadline=-10,
                close=-20,
                steps=(
                    "梳理企业开办全流程事项，压减申请材料",
                    "上线企业开办“一网通办”专区，实现营业执照、公章、发票一次领取",
                    "企业开办全流程压缩至1个工作日内，形成改革经验",
                ),
            ),
            TaskSpec(
                "兑现科技创新扶持政策",
                "Pay out innovation support funds",
                "LYHT-CJB",
                ("LYHT-KCZX", "LYHT-ZWZX"),
                serial="3.4",
                deadline=150,
                metric="兑现政策资金",
                metric_unit="万元",
                target="8000",
                steps=(
                    "梳理科技创新扶持政策兑现清单，开通线上申报",
                    "完成首批政策兑现资金审核拨付",
                    "开展政策兑现“免申即享”试点，缩短兑现周期",
                ),
            ),
            TaskSpec(
                "举办创新创业大赛和项目路演",
                "Hold innovation contests and project roadshows",
                "LYHT-ZSB",
                ("LYHT-KCZX",),
                serial="3.5",
                deadline=120,
                metric="举办路演活动",
                metric_unit="场",
                target="12",
                steps=(
                    "制定创新创业大赛方案，启动项目征集",
                    "组织“科创路演周”活动，邀请投资机构参与",
                    "完成大赛初赛评审，优质项目对接基金",
                ),
            ),
        ),
    ),
    PlanTaskSpec(
        TaskSpec(
            "推进产业转型升级",
            "Advance industrial upgrading",
            "LYHT-ZSB",
            ("LYHT-JFB", "LYHT-ZZY", "LYHT-XCY", "LYHT-SYY"),
            serial="4",
            leader="wang.lixin",
            deadline=200,
            description="做强装备制造主导产业，培育氢能、机器人等风口产业和生物医药特色产业。",
        ),
        (
            TaskSpec(
                "做强装备制造主导产业",
                "Strengthen equipment manufacturing, the leading industry",
                "LYHT-ZZY",
                ("LYHT-JFB", "LY-GXJ"),
                serial="4.1",
                deadline=200,
                cadence="monthly",
                metric="规上工业增加值增速",
                metric_unit="%",
                target="10",
                steps=(
                    "建立装备制造重点企业运行监测台账",
                    "推动重点企业技改项目开工，帮助企业拓展订单",
                    "装备制造产业产值稳步增长，推进智能化改造",
                ),
            ),
            TaskSpec(
                "培育氢能、机器人等风口产业",
                "Grow hydrogen, robotics and other emerging industries",
                "LYHT-ZSB",
                ("LYHT-ZZY", "LYHT-XDZ", "LY-FGW"),
                serial="4.2",
                deadline=150,
                metric="签约风口产业项目",
                metric_unit="个",
                target="10",
                steps=(
                    "编制氢能、机器人产业招商图谱，梳理目标企业清单",
                    "赴长三角、珠三角开展专题招商，洽谈项目12个",
                    "氢能装备、工业机器人项目签约落地",
                ),
            ),
            TaskSpec(
                "发展生物医药特色产业",
                "Develop biomedicine as a distinctive industry",
                "LYHT-SYY",
                ("LYHT-ZSB",),
                serial="4.3",
                deadline=150,
                metric="新引进生物医药项目",
                metric_unit="个",
                target="6",
                pace=0.5,
                miss=0.3,
                late=0.3,
                steps=(
                    "梳理生物医药产业链，对接重点招商项目",
                    "推进生物医药产业园标准化厂房招租",
                    "引进生物医药项目签约入园",
                ),
                instructions=(
                    InstructionSpec(
                        -5,
                        "wang.lixin",
                        "生物医药产业园进展明显滞后，报告多次缺报，督查室要跟踪督办，"
                        "生物医药园下周交办会上专题汇报。",
                    ),
                ),
            ),
            TaskSpec(
                "打造新材料产业集群",
                "Build a new materials industry cluster",
                "LYHT-XCY",
                ("LYHT-ZSB",),
                serial="4.4",
                deadline=180,
                steps=(
                    "梳理新材料产业链链主企业，制定“一链一策”",
                    "推动链主企业配套项目落地园区",
                    "新材料产业园配套项目开工建设",
                ),
            ),
            TaskSpec(
                "完善园区基础设施",
                "Complete the parks' infrastructure",
                "LYHT-GJB",
                ("LYHT-FZJT", "LYHT-XDZ", "LYHT-FLZ"),
                serial="4.5",
                deadline=-10,
                metric="完成基础设施投资",
                metric_unit="亿元",
                target="12",
                pace=0.8,
                steps=(
                    "完成园区道路、管网项目前期手续",
                    "园区主干道路开工建设，同步推进雨污管网施工",
                    "道路主体完工，推进绿化亮化和配套管网",
                ),
                moves=(
                    DeadlineMove(
                        -63,
                        25,
                        "受征地手续影响，部分地块未能按期交付施工，申请顺延35天。",
                        comment="同意。请规划建设部倒排工期，每周报告征地和施工进度。",
                    ),
                    DeadlineMove(
                        -20,
                        55,
                        "管网施工与市政电力迁改交叉作业，需待电力迁改完成后施工，申请再顺延30天。",
                        comment="同意本次延期。此后不再受理延期申请，务必按期完成。",
                    ),
                ),
            ),
            TaskSpec(
                "常态化开展“万人助万企”活动，持续优化营商环境",
                "Keep improving the business environment: helping companies, as a standing task",
                "LYHT-ZSB",
                ("LYHT-ZWZX",),
                serial="4.6",
                long_term=True,
                cadence="monthly",
                steps=(
                    "走访重点企业，建立问题清单和办理台账",
                    "对企业反映的问题逐项交办、限时办结并回访",
                    "总结推广助企服务经验，形成常态化机制",
                ),
            ),
            TaskSpec(
                "开展重点企业季度运行分析",
                "Analyse the key companies' operations every quarter",
                "LYHT-JFB",
                ("LYHT-ZSB",),
                serial="4.7",
                deadline=200,
                cadence="quarterly",
                steps=(
                    "收集重点企业季度经营数据",
                    "形成季度运行分析报告，提出稳增长措施",
                    "跟踪措施落实情况，纳入下季度分析",
                ),
            ),
        ),
    ),
)


# --- the weekly assignment meetings -----------------------------------------------

CHAIR = "王立新"
NOTES = (
    "听取第{previous}次周交办会交办事项完成情况汇报，"
    "传达上级有关会议精神和领导批示要求，部署本周重点工作。"
)

MEETINGS: tuple[MeetingSpec, ...] = (
    MeetingSpec(
        69,
        CHAIR,
        NOTES,
        (
            TaskSpec(
                "对照国家高新区评价指标体系，形成创建差距分析报告",
                "Benchmark against the national high-tech zone indicators and report the gaps",
                "LYHT-JFB",
                ("LYHT-KCZX",),
                leader="leader",
                deadline=14,
                close=12,
                steps=(
                    "收集近三年统计数据，逐项对照评价指标",
                    "形成差距分析报告初稿，征求各部门意见",
                ),
            ),
            TaskSpec(
                "完成高新区国土空间总体规划报批稿",
                "Finish the zone's territorial spatial master plan for approval",
                "LYHT-GJB",
                ("LYHT-FZJT",),
                leader="zhao.weidong",
                deadline=45,
                close=50,
                steps=(
                    "完成规划成果专家评审",
                    "按评审意见修改完善规划成果",
                    "规划报批稿报市自然资源和规划局审查",
                ),
            ),
            TaskSpec(
                "组织重点项目集中开工活动",
                "Organise the groundbreaking of a batch of key projects",
                "LYHT-ZSB",
                ("LYHT-ZZY", "LYHT-XCY", "LYHT-SYY"),
                leader="wang.lixin",
                deadline=10,
                close=9,
                steps=("梳理具备开工条件的项目清单", "集中开工活动顺利举行，11个项目开工"),
            ),
        ),
    ),
    MeetingSpec(
        70,
        CHAIR,
        NOTES,
        (
            TaskSpec(
                "摸排企业研发费用加计扣除政策享受情况",
                "Survey how firms use the R&D super-deduction",
                "LYHT-CJB",
                ("LYHT-JFB",),
                leader="chen.jing",
                deadline=21,
                close=19,
                steps=("联合税务部门调取企业享受政策数据", "对未享受政策企业逐家上门辅导"),
            ),
            TaskSpec(
                "推进氢能产业园项目用地征迁",
                "Clear the land for the hydrogen industrial park",
                "LYHT-XDZ",
                ("LYHT-GJB", "LYHT-ZFZX"),
                leader="leader",
                deadline=30,
                pace=0.6,
                steps=(
                    "完成征迁范围内地上附着物清点登记",
                    "与被征迁户逐户协商补偿方案",
                    "已签订征迁协议，剩余户数正在做工作",
                ),
                moves=(
                    DeadlineMove(
                        27,
                        60,
                        "部分被征迁户对补偿标准有异议，协商需要时间，申请顺延30天。",
                        decision="reject",
                        comment="征迁是氢能产业园项目落地的前置条件，不同意延期，请倒排工期、加快推进。",
                    ),
                ),
                instructions=(
                    InstructionSpec(
                        20,
                        "wang.lixin",
                        "征迁进度滞后，请辛店镇主要负责同志亲自调度，倒排工期，每周向管委会报告。",
                        read=True,
                    ),
                ),
            ),
            TaskSpec(
                "开展安全生产和消防隐患大排查",
                "Inspect workplaces for safety and fire hazards",
                "LYHT-ZFZX",
                ("LYHT-SSB", "LYHT-XDZ", "LYHT-FLZ", "LYHT-SQT"),
                leader="zhao.weidong",
                deadline=14,
                close=13,
                steps=("检查企业86家，发现隐患132处", "隐患整改完成率100%，形成排查报告"),
            ),
        ),
    ),
    MeetingSpec(
        71,
        "李志强",
        NOTES,
        (
            TaskSpec(
                "编制科技型中小企业梯次培育工作方案",
                "Draft the tiered plan for growing tech SMEs",
                "LYHT-KCZX",
                ("LYHT-JFB",),
                leader="leader",
                deadline=14,
                close=11,
                steps=("调研企业培育现状，形成方案框架", "方案经主任办公会审议通过并印发"),
            ),
            TaskSpec(
                "协调解决机器人产业项目电力增容问题",
                "Get more grid capacity for the robotics project",
                "LYHT-ZZY",
                ("LYHT-FZJT",),
                leader="wang.lixin",
                deadline=21,
                close=26,
                steps=("与供电公司对接增容方案", "增容工程施工，变压器安装调试", "完成送电"),
            ),
            TaskSpec(
                "梳理惠企政策清单，设立政策兑现专窗",
                "List pro-business policies and open a policy payout window",
                "LYHT-ZWZX",
                ("LYHT-CJB",),
                leader="chen.jing",
                deadline=14,
                close=12,
                steps=("梳理惠企政策86条，形成清单", "政务服务中心政策兑现专窗开始运行"),
            ),
        ),
    ),
    MeetingSpec(
        72,
        CHAIR,
        NOTES,
        (
            TaskSpec(
                "开展“万人助万企”走访活动，收集企业诉求",
                "Visit enterprises and collect their requests (10,000 cadres help 10,000 firms)",
                "LYHT-ZSB",
                ("LYHT-JFB", "LYHT-ZZY", "LYHT-XCY", "LYHT-SYY"),
                leader="wang.lixin",
                deadline=28,
                close=26,
                steps=(
                    "走访企业63家，收集诉求41条",
                    "建立企业诉求台账，逐条交办责任单位",
                    "企业诉求办结率达到95%",
                ),
            ),
            TaskSpec(
                "推进生物医药产业园标准化厂房二期建设",
                "Build phase II of the standard workshops at the biomedicine park",
                "LYHT-SYY",
                ("LYHT-FZJT",),
                leader="chen.jing",
                deadline=60,
                pace=0.7,
                steps=("完成施工图审查", "基础施工", "主体结构施工至三层"),
            ),
            TaskSpec(
                "完成高新技术企业认定申报辅导",
                "Coach firms through high-tech enterprise certification",
                "LYHT-JFB",
                ("LYHT-KCZX",),
                leader="leader",
                deadline=30,
                close=25,
                close_decision="returned",
                steps=(
                    "召开高企申报培训会，参会企业48家",
                    "逐家审核申报材料，提出修改意见",
                    "32家企业完成网上申报",
                ),
            ),
        ),
    ),
    MeetingSpec(
        73,
        CHAIR,
        NOTES,
        (
            TaskSpec(
                "制定创建国家高新区宣传方案",
                "Draft the publicity plan for the national high-tech zone bid",
                "LYHT-DZB",
                ("LYHT-CJB-OFFICE",),
                leader="zhao.weidong",
                deadline=14,
                close=13,
                steps=("形成宣传方案初稿", "宣传方案印发，开设创建专栏"),
            ),
            TaskSpec(
                "推进丰李镇污水管网改造工程",
                "Upgrade the sewer network in Fengli",
                "LYHT-FLZ",
                ("LYHT-GJB",),
                leader="leader",
                deadline=45,
                pace=0.75,
                steps=("完成管网勘察设计", "主管网开挖铺设", "支管网接入施工"),
            ),
            TaskSpec(
                "组织专精特新企业申报培训会",
                "Hold a training session on applying as a specialised SME",
                "LYHT-JFB",
                ("LYHT-ZSB",),
                leader="leader",
                deadline=10,
                claim=3,
                close=12,
                steps=("确定培训内容，邀请省工信厅专家授课", "培训会举行，参训企业37家"),
            ),
        ),
    ),
    MeetingSpec(
        74,
        "李志强",
        NOTES,
        (
            TaskSpec(
                "对接洛阳理工学院共建中试基地",
                "Agree a pilot-scale base with Luoyang Institute of Science and Technology",
                "LYHT-KCZX",
                ("LYHT-FZJT",),
                leader="leader",
                deadline=30,
                close=27,
                steps=("与学校科技处对接合作意向", "起草共建协议", "共建协议签订"),
            ),
            TaskSpec(
                "清理拖欠中小企业账款",
                "Clear overdue payments owed to SMEs",
                "LYHT-CJB",
                ("LYHT-FZJT",),
                leader="chen.jing",
                deadline=21,
                close=20,
                steps=("排查拖欠账款情况，建立台账", "拖欠账款全部清偿"),
            ),
            TaskSpec(
                "建立重点企业“一企一策”服务台账",
                "Keep a one-firm-one-plan service ledger for key enterprises",
                "LYHT-ZSB",
                ("LYHT-JFB",),
                leader="leader",
                deadline=35,
                pace=0.5,
                silent_weeks=3,
                steps=("确定重点服务企业50家", "逐家制定服务措施"),
            ),
        ),
    ),
    MeetingSpec(
        75,
        CHAIR,
        NOTES,
        (
            TaskSpec(
                "完成创建国家高新区自评价报告初稿",
                "Write the first draft of the self-evaluation report",
                "LYHT-CJB-OFFICE",
                ("LYHT-JFB", "LYHT-KCZX"),
                leader="wang.lixin",
                deadline=21,
                close=20,
                steps=("收集各部门自评价材料", "汇总形成自评价报告初稿"),
            ),
            TaskSpec(
                "推进新材料产业园道路及配套管网建设",
                "Build roads and utilities in the new materials park",
                "LYHT-XCY",
                ("LYHT-GJB",),
                leader="zhao.weidong",
                deadline=60,
                steps=("完成道路施工招标", "道路路基施工", "配套管网同步施工"),
            ),
            TaskSpec(
                "开展高新区营商环境满意度调查",
                "Survey business satisfaction with the zone's environment",
                "LYHT-ZWZX",
                (),
                leader="chen.jing",
                deadline=45,
                close=-1,
                close_decision="pending",
                steps=("设计调查问卷", "回收有效问卷326份", "形成满意度调查报告"),
            ),
        ),
    ),
    MeetingSpec(
        76,
        CHAIR,
        NOTES,
        (
            TaskSpec(
                "组织企业参加中国·河南招才引智创新发展大会",
                "Bring enterprises to the Henan talent and innovation fair",
                "LYHT-ZSB",
                (),
                leader="chen.jing",
                deadline=14,
                close=13,
                steps=("征集企业岗位需求", "组织23家企业参会，达成引才意向"),
            ),
            TaskSpec(
                "落实研发费用后补助资金拨付",
                "Pay out the post-hoc R&D subsidies",
                "LYHT-CJB",
                ("LYHT-KCZX",),
                leader="leader",
                deadline=21,
                close=20,
                steps=("审核企业后补助申请", "资金拨付到位"),
            ),
            TaskSpec(
                "推进辛店镇老旧小区改造",
                "Renovate old residential compounds in Xindian",
                "LYHT-XDZ",
                ("LYHT-SSB", "LYHT-GJB"),
                leader="zhao.weidong",
                deadline=60,
                claim=4,
                steps=("完成改造方案和居民意见征集", "外墙保温和管网改造施工"),
            ),
            TaskSpec(
                "编制机器人产业链图谱和招商目标企业清单",
                "Map the robotics industry chain and list target firms",
                "LYHT-JFB",
                ("LYHT-ZSB",),
                leader="leader",
                deadline=30,
                steps=("梳理机器人产业链上下游环节", "形成链主企业和配套企业目标清单"),
                instructions=(
                    InstructionSpec(
                        25,
                        "leader",
                        "产业链图谱要突出链主企业，目标企业清单要落实到具体对接人和时间节点。",
                    ),
                ),
            ),
        ),
    ),
    MeetingSpec(
        77,
        CHAIR,
        NOTES,
        (
            TaskSpec(
                "开展工业企业“小升规”培育",
                "Help small industrial firms grow above the designated size",
                "LYHT-JFB",
                ("LYHT-ZZY", "LYHT-XCY"),
                leader="leader",
                deadline=45,
                metric="新增规上工业企业",
                metric_unit="家",
                target="8",
                steps=("梳理“小升规”培育企业名单", "逐家上门指导企业规范财务核算"),
            ),
            TaskSpec(
                "协调氢能装备项目环评审批",
                "Get the environmental approval for the hydrogen equipment project",
                "LYHT-ZWZX",
                ("LYHT-GJB",),
                leader="wang.lixin",
                deadline=14,
                close=12,
                steps=("协助企业编制环评报告", "环评报告通过审批"),
            ),
            TaskSpec(
                "完成科技创新券发放",
                "Issue the innovation vouchers",
                "LYHT-KCZX",
                ("LYHT-CJB",),
                leader="leader",
                deadline=30,
                steps=("发布创新券申领通知", "审核企业申领材料", "创新券发放到企业"),
            ),
        ),
    ),
    MeetingSpec(
        78,
        "李志强",
        NOTES,
        (
            TaskSpec(
                "筹备国家高新区创建专家预审会",
                "Prepare the experts' pre-review of the bid",
                "LYHT-CJB-OFFICE",
                ("LYHT-DZB", "LYHT-JFB"),
                leader="wang.lixin",
                deadline=21,
                steps=("拟定预审会方案和专家名单", "准备汇报材料和展板"),
            ),
            TaskSpec(
                "推动发展集团完成产业基金设立",
                "Have the development group set up the industry fund",
                "LYHT-FZJT",
                ("LYHT-CJB",),
                leader="chen.jing",
                deadline=30,
                steps=("完成基金合伙协议谈判", "基金工商注册"),
            ),
            TaskSpec(
                "开展企业研发机构建设情况核查",
                "Check the enterprises' R&D institutions",
                "LYHT-KCZX",
                (),
                leader="leader",
                deadline=14,
                steps=("制定核查方案", "实地核查企业研发机构31家"),
            ),
        ),
    ),
    MeetingSpec(
        79,
        CHAIR,
        NOTES,
        (
            TaskSpec(
                "梳理上月经济运行数据，分析主要指标走势",
                "Analyse last month's economic figures and the main indicators",
                "LYHT-JFB",
                ("LYHT-CJB",),
                leader="leader",
                deadline=10,
                claim=3,
                steps=("收集规上工业、固定资产投资等数据", "形成经济运行分析报告"),
            ),
            TaskSpec(
                "推进丰李镇农村人居环境整治",
                "Clean up villages in Fengli",
                "LYHT-FLZ",
                ("LYHT-SSB",),
                leader="zhao.weidong",
                deadline=30,
                claim=None,  # still not claimed a week on: the inaction warning fires
                steps=("清理村内积存垃圾", "推进村庄绿化"),
            ),
            TaskSpec(
                "组织高新区创新创业大赛复赛",
                "Run the semi-final of the zone's innovation contest",
                "LYHT-KCZX",
                ("LYHT-ZSB",),
                leader="leader",
                deadline=21,
                steps=("确定复赛评委和赛程", "复赛举行"),
            ),
        ),
    ),
    MeetingSpec(
        80,
        CHAIR,
        NOTES,
        (
            TaskSpec(
                "督促重点企业报送季度研发投入统计数据",
                "Get key enterprises to file their quarterly R&D spending",
                "LYHT-JFB",
                ("LYHT-KCZX",),
                leader="leader",
                deadline=7,
                claim=None,
            ),
            TaskSpec(
                "制定迎接国家高新区创建实地考察工作方案",
                "Plan for the national high-tech zone inspection visit",
                "LYHT-CJB-OFFICE",
                ("LYHT-DZB",),
                leader="wang.lixin",
                deadline=21,
                claim=None,
            ),
            TaskSpec(
                "推进机器人产业园项目签约落地",
                "Sign and land the robotics industrial park project",
                "LYHT-ZSB",
                ("LYHT-ZZY",),
                leader="wang.lixin",
                deadline=30,
                claim=0,
                steps=("与企业就投资协议条款达成一致",),
            ),
            TaskSpec(
                "完成政务服务“一网通办”事项梳理",
                "List the services to be handled fully online",
                "LYHT-ZWZX",
                (),
                leader="chen.jing",
                deadline=14,
                claim=1,
                steps=("梳理依申请政务服务事项",),
            ),
        ),
    ),
)


# --- words for reports and decisions ------------------------------------------------

FOLLOW_UPS = (
    "下一步将继续跟踪推进。",
    "存在问题：个别企业材料准备不充分，已安排专人对接。",
    "下周将召开推进会，协调解决存在的困难。",
    "已与配合单位对接，明确了责任分工和时间节点。",
    "下一步将加大督促力度，确保按期完成。",
    "存在问题：部分数据需待统计部门核定。",
)
NO_CHANGE_REASONS = (
    "本周无新进展。原因：等待省科技厅评审结果，已保持沟通。",
    "本周无新进展。原因：企业补充材料尚未提交，已电话督促。",
    "本周无新进展。原因：相关审批正在市级部门办理中。",
)
RETURN_COMMENTS = (
    "数据与上期报送口径不一致，请核实后重新报送。",
    "进展描述过于笼统，请补充具体企业名单和完成时间节点。",
    "未说明存在的问题和下一步计划，请补充。",
    "完成率与实际进度不符，请附佐证材料。",
)
RESUBMIT_NOTE = "（已按督查室意见补充完善。）"
CLOSE_SUMMARY = "{title}已全部完成，相关佐证材料见附件，申请办结销号。"
CLOSE_RETURN_COMMENT = "佐证材料不完整，缺少企业申报受理回执和名单，请补充后重新提交。"
CLOSE_RESUBMIT_SUMMARY = "已补充企业申报受理回执和企业名单，{title}已全部完成，申请办结销号。"
CLOSE_ACCEPT_COMMENT = "经核验，佐证材料齐全，同意办结销号。"
