# ruff: noqa: E501  (data: Chinese sentences are wide; the line limit counts their display width)
"""Writes ``bench/data/prompt_tasks.json``: the prompt studio benchmark's tasks, deterministically.

    python bench/data/prompt_tasks.py          # rewrites the JSON (same bytes every time)

Each task: ``name``, ``lang`` (en | zh), ``task`` (the description ``generate`` is given), ``baseline`` (a
hand-written system + user template with ``{{variables}}``), ``graders`` (code graders only: no LLM judge) and
``cases`` (``vars`` -> ``expected``, 20 or more). Expected answers are computed by code where they can be (unit
conversions, dates, numbers, yes/no over generated facts) and hand-labelled where they cannot (sentiment, topic:
sentences written to have one clear label). Random choices come from ``random.Random`` with a fixed seed per task.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("prompt_tasks.json")
N = 20
EN_NAMES = ["Alice Smith", "Brian Lee", "Carmen Diaz", "David Brown", "Emma Wilson", "Farid Khan", "Grace Kim",
            "Henry Clark", "Irene Novak", "James Moore", "Karen White", "Liam Turner", "Maria Lopez", "Noah Evans",
            "Olivia Reed", "Peter Hall", "Rachel Green", "Samuel Young", "Tina Ford", "Victor Hugo Ng"]
EN_CITIES = ["Denver", "Boston", "Seattle", "Chicago", "Austin", "Toronto", "London", "Dublin", "Sydney", "Miami",
             "Portland", "Atlanta", "Phoenix", "Dallas", "Vancouver", "Leeds", "Glasgow", "Auckland", "Houston",
             "Oslo"]
ZH_NAMES = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴婷", "徐明", "孙丽", "马超",
            "朱琳", "胡军", "郭鹏", "何雪", "高飞", "林峰", "罗欣"]
ZH_CITIES = ["北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京", "重庆", "天津", "苏州", "长沙",
             "青岛", "厦门", "昆明", "大连", "郑州", "沈阳", "合肥"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DIGITS = "零一二三四五六七八九"
EN_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
           "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


# -- helpers ------------------------------------------------------------------------------------------------------
def zh_number(n: int) -> str:
    """0 <= n < 100000 in Chinese numerals (十五, 一百一十, 一千零五, 二万零三百)."""
    if n == 0:
        return "零"
    out, zero, started = "", False, False
    for value, unit in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            zero = zero or started
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + unit
        started = True
    return out[1:] if out.startswith("一十") else out


def en_number(n: int) -> str:
    """0 <= n < 1000000 in English words (British "and")."""
    def below_1000(m: int) -> str:
        parts = []
        if m >= 100:
            parts.append(f"{EN_ONES[m // 100]} hundred")
            m %= 100
            if m:
                parts.append("and")
        if m >= 20:
            parts.append(EN_TENS[m // 10] + (f"-{EN_ONES[m % 10]}" if m % 10 else ""))
        elif m or not parts:
            parts.append(EN_ONES[m])
        return " ".join(parts)
    if n >= 1000:
        rest = n % 1000
        head = f"{below_1000(n // 1000)} thousand"
        if not rest:
            return head
        return f"{head} {'and ' if rest < 100 else ''}{below_1000(rest)}"
    return below_1000(n)


def zh_year(y: int) -> str:
    return "".join("〇" if c == "0" else DIGITS[int(c)] for c in str(y))


def ordinal(d: int) -> str:
    return f"{d}{'th' if 11 <= d % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"


def dates(rng: random.Random) -> list[dt.date]:
    start = dt.date(1990, 1, 1).toordinal()
    return [dt.date.fromordinal(rng.randrange(start, start + 365 * 40)) for _ in range(N)]


def distinct(values: list, candidates: list) -> list:
    """``values`` with each repeat replaced by the first candidate not among them (no case twice in a task; the
    values that were distinct stay as they were)."""
    seen, out = set(), []
    for value in values:
        if value in seen:
            value = next(c for c in candidates if c not in seen and c not in values)
        seen.add(value)
        out.append(value)
    return out


def js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def task(name: str, lang: str, description: str, system: str, user: str, graders: list[dict],
         cases: list[tuple[dict, str]]) -> dict:
    assert len(cases) >= N, name
    return {"name": name, "lang": lang, "task": description, "baseline": {"system": system, "user": user},
            "graders": graders, "cases": [{"vars": v, "expected": e} for v, e in cases]}


def number(value: float) -> str:
    return plain(round(value, 2))


def plain(value: float) -> str:
    """A number as plain digits: 1250, 3.5, 250000.75 (never an exponent)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


# -- unit conversion (numeric) ------------------------------------------------------------------------------------
def conversions() -> list[dict]:
    rng = random.Random(1)
    km = distinct([rng.randint(3, 120) for _ in range(N)], list(range(3, 121)))
    c = distinct([rng.randint(-20, 40) for _ in range(N)], list(range(-20, 41)))
    whole = [1, 2, 3, 5, 7, 8, 10, 12, 15, 20, 25, 30, 40]
    jin = distinct([rng.choice(whole) + rng.choice([0, 0.5]) for _ in range(N)], [w + h for w in whole for h in (0, 0.5)])
    lb = distinct([rng.randint(2, 250) for _ in range(N)], list(range(2, 251)))
    f = distinct([rng.randint(-4, 104) for _ in range(N)], list(range(-4, 105)))
    inch = distinct([rng.randint(1, 80) for _ in range(N)], list(range(1, 81)))
    return [
        task("km_to_miles", "en", "Convert the distance {{distance}} (in kilometres) to miles. Answer with the number "
             "of miles only, rounded to two decimals.",
             "You convert distances. 1 kilometre = 0.621371 miles. Reply with the number of miles only, rounded to "
             "two decimal places, with no unit and no other words.", "Distance: {{distance}}",
             [{"kind": "numeric", "tolerance": 0.1}], [({"distance": f"{k} km"}, number(k * 0.621371)) for k in km]),
        task("celsius_to_fahrenheit_zh", "zh", "把温度 {{温度}}（摄氏度）换算成华氏度，只回答华氏度的数值，保留一位小数。",
             "你负责温度换算：华氏度 = 摄氏度 × 9/5 + 32。只输出换算后的华氏度数值，保留一位小数，不要写单位或解释。",
             "温度：{{温度}}", [{"kind": "numeric", "tolerance": 0.5}],
             [({"温度": f"摄氏{v}度"}, number(v * 9 / 5 + 32)) for v in c]),
        task("jin_to_kg_zh", "zh", "把重量 {{重量}}（单位：斤）换算成公斤，只回答公斤数。",
             "你负责重量换算：1 斤 = 0.5 公斤。只输出公斤数（数字），不要写单位或解释。", "重量：{{重量}}",
             [{"kind": "numeric", "tolerance": 0.01}], [({"重量": f"{number(j)}斤"}, number(j / 2)) for j in jin]),
        task("pounds_to_kg", "en", "Convert the weight {{weight}} (in pounds) to kilograms. Answer with the number of "
             "kilograms only, rounded to one decimal.",
             "You convert weights. 1 pound = 0.453592 kilograms. Reply with the number of kilograms only, rounded "
             "to one decimal place, with no unit and no other words.", "Weight: {{weight}}",
             [{"kind": "numeric", "tolerance": 0.2}], [({"weight": f"{p} lb"}, number(p * 0.453592)) for p in lb]),
        task("fahrenheit_to_celsius", "en", "Convert the temperature {{temperature}} (Fahrenheit) to Celsius. Answer "
             "with the number of degrees Celsius only, rounded to one decimal.",
             "You convert temperatures: Celsius = (Fahrenheit - 32) × 5/9. Reply with the Celsius value only, "
             "rounded to one decimal place, with no unit and no other words.", "Temperature: {{temperature}}",
             [{"kind": "numeric", "tolerance": 0.5}],
             [({"temperature": f"{v}°F"}, number((v - 32) * 5 / 9)) for v in f]),
        task("inch_to_cm_zh", "zh", "把长度 {{长度}}（英寸）换算成厘米，只回答厘米数，保留一位小数。",
             "你负责长度换算：1 英寸 = 2.54 厘米。只输出厘米数（数字），保留一位小数，不要写单位或解释。",
             "长度：{{长度}}", [{"kind": "numeric", "tolerance": 0.1}],
             [({"长度": f"{i}英寸"}, number(i * 2.54)) for i in inch]),
    ]


# -- dates, times, numbers (exact) --------------------------------------------------------------------------------
def en_date(d: dt.date, style: int) -> str:
    m = MONTHS[d.month - 1]
    return [f"{m} {d.day}, {d.year}", f"{d.day} {m} {d.year}", f"{m[:3]} {d.day}, {d.year}",
            f"the {ordinal(d.day)} of {m}, {d.year}", f"{m} {ordinal(d.day)} {d.year}"][style % 5]


def zh_date(d: dt.date, style: int) -> str:
    return [f"{d.year}年{d.month}月{d.day}日", f"{zh_year(d.year)}年{zh_number(d.month)}月{zh_number(d.day)}日",
            f"{d.year}年{d.month:02d}月{d.day:02d}日", f"{d.year}年{d.month}月{d.day}号"][style % 4]


def en_time(h: int, m: int) -> str:
    hour = h % 12 or 12
    return f"{hour}{'' if m == 0 and h % 3 == 0 else f':{m:02d}'} {'am' if h < 12 else 'pm'}"


def zh_time(h: int, m: int) -> str:
    if h < 6:
        period, hour = "凌晨", h
    elif h < 12:
        period, hour = "上午", h
    elif h == 12:
        period, hour = "中午", 12
    elif h < 19:
        period, hour = "下午", h - 12
    else:
        period, hour = "晚上", h - 12
    hour_text = "两" if hour == 2 else zh_number(hour)
    if m == 0:
        minutes = "点整"
    elif m == 30:
        minutes = "点半"
    elif m < 10:
        minutes = f"点零{zh_number(m)}分"
    else:
        minutes = f"点{zh_number(m)}分"
    return f"{period}{hour_text}{minutes}"


def formats() -> list[dict]:
    rng = random.Random(2)
    en_dates, zh_dates = dates(rng), dates(rng)
    minutes = [0, 5, 10, 15, 20, 30, 35, 45, 50, 55]
    times = distinct([(rng.randint(1, 23), rng.choice(minutes)) for _ in range(N)],
                     [(h, m) for h in range(1, 24) for m in minutes])
    zh_nums = [rng.choice([rng.randint(11, 99), rng.randint(100, 999), rng.randint(1000, 9999),
                           rng.randint(10000, 99999), rng.randint(1, 9) * 1000 + rng.randint(1, 9)])
               for _ in range(N)]
    en_nums = [rng.choice([rng.randint(13, 99), rng.randint(100, 999), rng.randint(1000, 99999)]) for _ in range(N)]
    amounts = [rng.choice([rng.randint(5, 999) + rng.choice([0, 0.5, 0.25, 0.99]), rng.randint(1000, 250000) +
                           rng.choice([0, 0.1, 0.75])]) for _ in range(N)]
    date_re = [{"kind": "exact"}]
    return [
        task("date_to_iso_en", "en", "Rewrite the date {{date}} in ISO format YYYY-MM-DD. Answer with the date only.",
             "You normalise dates. Rewrite the given date as YYYY-MM-DD (four-digit year, two-digit month, two-digit "
             "day). Reply with the date only, nothing else.", "Date: {{date}}", date_re,
             [({"date": en_date(d, i)}, d.isoformat()) for i, d in enumerate(en_dates)]),
        task("date_to_iso_zh", "zh", "把日期 {{日期}} 改写成 YYYY-MM-DD 格式，只回答日期。",
             "你负责日期规范化：把给出的中文日期改写成 YYYY-MM-DD（四位年份、两位月份、两位日期）。只输出日期，不要其他文字。",
             "日期：{{日期}}", date_re, [({"日期": zh_date(d, i)}, d.isoformat()) for i, d in enumerate(zh_dates)]),
        task("time_to_24h_en", "en", "Rewrite the time {{time}} in 24-hour HH:MM format. Answer with the time only.",
             "You convert 12-hour clock times to the 24-hour clock. Reply with the time as HH:MM (two digits each, "
             "e.g. midnight is 00:00), nothing else.", "Time: {{time}}", [{"kind": "exact"}],
             [({"time": en_time(h, m)}, f"{h:02d}:{m:02d}") for h, m in times]),
        task("time_to_24h_zh", "zh", "把时间 {{时间}} 改写成 24 小时制 HH:MM，只回答时间。",
             "你负责把中文口语时间改写成 24 小时制，格式 HH:MM（小时和分钟都是两位数）。只输出时间，不要其他文字。",
             "时间：{{时间}}", [{"kind": "exact"}],
             [({"时间": zh_time(h, m)}, f"{h:02d}:{m:02d}") for h, m in reversed(times)]),
        task("chinese_numerals_to_digits", "zh", "把中文数字 {{数字}} 写成阿拉伯数字，只回答数字。",
             "你负责把中文数字（如 三千零五）改写成阿拉伯数字（3005）。只输出阿拉伯数字，不要逗号、单位或解释。",
             "中文数字：{{数字}}", [{"kind": "exact"}], [({"数字": zh_number(n)}, str(n)) for n in zh_nums]),
        task("number_words_to_digits", "en", "Write the number {{words}} in digits. Answer with the digits only.",
             "You turn numbers written in English words into digits. Reply with the digits only: no commas, no "
             "words.", "Number: {{words}}", [{"kind": "exact"}], [({"words": en_number(n)}, str(n)) for n in en_nums]),
        task("usd_format", "en", "Write the amount {{amount}} as US dollars: a dollar sign, comma thousands separators "
             "and exactly two decimals (e.g. $1,234.50). Answer with the amount only.",
             "You format amounts of money as US dollars: a $ sign, commas between thousands, and exactly two "
             "decimals. Reply with the formatted amount only.", "Amount: {{amount}}", [{"kind": "exact"}],
             [({"amount": plain(a)}, f"${a:,.2f}") for a in amounts]),
    ]


# -- extraction (json_match, exact) -------------------------------------------------------------------------------
EN_PLACES = ["{name} moved to {city} last spring.", "{name} has lived in {city} for ten years.",
             "Yesterday {name} flew home to {city}.", "{name} works as a teacher in {city}.",
             "After college, {name} settled in {city}."]
ZH_PLACES = ["{name}去年搬到了{city}。", "{name}在{city}工作了五年。", "{name}昨天从外地回到{city}。",
             "{name}是{city}一所中学的老师。", "大学毕业后，{name}留在了{city}。"]
EN_ITEMS = [("notebooks", "notebook"), ("chairs", "chair"), ("lamps", "lamp"), ("mugs", "mug"), ("pens", "pen")]
ZH_ITEMS = [("箱", "苹果"), ("件", "衬衫"), ("本", "笔记本"), ("盒", "茶叶"), ("瓶", "酱油")]
DOMAINS = ["example.com", "mail.example.org", "corp.example.net", "example.co.uk", "shop.example.io"]
ZH_DOMAINS = ["example.cn", "mail.example.com.cn", "example.org", "corp.example.cn", "edu.example.cn"]
PINYIN = ["zhang.wei", "lina", "wangfang88", "liu_yang", "chenjing", "yanglei2020", "zhaomin", "huang.qiang",
          "zhoujie", "wuting", "xuming", "sunli", "machao", "zhulin", "hujun", "guopeng", "hexue", "gaofei",
          "linfeng", "luoxin"]


def extraction() -> list[dict]:
    rng = random.Random(3)
    person = {"kind": "json_match"}
    en_pc = [({"sentence": EN_PLACES[i % 5].format(name=n, city=c)}, js({"name": n, "city": c}))
             for i, (n, c) in enumerate(zip(EN_NAMES, rng.sample(EN_CITIES, N), strict=True))]
    zh_pc = [({"句子": ZH_PLACES[i % 5].format(name=n, city=c)}, js({"name": n, "city": c}))
             for i, (n, c) in enumerate(zip(ZH_NAMES, rng.sample(ZH_CITIES, N), strict=True))]
    en_orders, zh_orders, zh_amounts, invoices = [], [], [], []
    for i in range(N):
        q, p = rng.randint(2, 40), rng.choice([1.5, 2.25, 3, 4.5, 7.99, 12, 15.5, 20, 35, 49.9])
        plural, _ = EN_ITEMS[i % 5]
        en_orders.append(({"order": f"Please send {q} {plural} at ${p:g} each to our office."},
                          js({"quantity": q, "unit_price": p})))
        q2, p2 = rng.randint(2, 50), rng.choice([3, 8.5, 12, 25, 38, 45.5, 60, 88, 120, 199])
        unit, item = ZH_ITEMS[i % 5]
        zh_orders.append(({"订单": f"{ZH_NAMES[i]}买了{q2}{unit}{item}，每{unit}{p2:g}元。"},
                          js({"quantity": q2, "unit_price": p2})))
        amount = rng.choice([rng.randint(12, 999), rng.randint(1000, 90000), rng.randint(10, 500) + 0.5])
        shown = f"{amount:,}" if isinstance(amount, int) and amount >= 1000 and i % 2 else plain(amount)
        zh_amounts.append(({"句子": f"{ZH_NAMES[i]}上周在{ZH_CITIES[i]}花了{shown}元，买了{ZH_ITEMS[i % 5][1]}。"},
                           plain(amount)))
        day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
        total = rng.choice([rng.randint(20, 3000), rng.randint(20, 900) + 0.5])
        invoices.append(({"text": f"Invoice from {EN_CITIES[i]} Supplies, paid on {MONTHS[day.month - 1]} "
                                  f"{day.day}, {day.year}; total ${plain(total)}."},
                         js({"date": day.isoformat(), "amount": total})))
    en_mail = [({"text": f"Questions? Write to {n.split()[0].lower()}.{n.split()[-1].lower()}@{DOMAINS[i % 5]} "
                         f"before Friday."}, f"{n.split()[0].lower()}.{n.split()[-1].lower()}@{DOMAINS[i % 5]}")
               for i, n in enumerate(EN_NAMES)]
    zh_mail = [({"文本": f"如有问题请发邮件至 {p}@{ZH_DOMAINS[i % 5]}，我们会在两个工作日内回复。"}, f"{p}@{ZH_DOMAINS[i % 5]}")
               for i, p in enumerate(PINYIN)]
    en_phone, zh_phone = [], []
    for i in range(N):
        a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
        shown = [f"({a}) {b}-{c:04d}", f"{a}.{b}.{c:04d}", f"{a} {b} {c:04d}", f"{a}-{b}-{c:04d}"][i % 4]
        en_phone.append(({"text": f"For delivery questions call {EN_NAMES[i].split()[0]} at {shown} after 9."},
                         f"{a}-{b}-{c:04d}"))
        mobile = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"
        shown_zh = [mobile, f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"][i % 3]
        zh_phone.append(({"文本": f"请拨打 {shown_zh} 联系{ZH_NAMES[i]}，工作日九点到六点。"}, mobile))
    return [
        task("person_city_en", "en", "Extract the person's name and the city from {{sentence}}. Output JSON with "
             "the keys name and city.",
             "You extract information. Read the sentence and return a JSON object with two keys: \"name\" (the "
             "person's full name) and \"city\" (the city mentioned). Output only the JSON object.",
             "Sentence: {{sentence}}", [person], en_pc),
        task("person_city_zh", "zh", "从{{句子}}中抽取人名和城市，输出 JSON，键为 name 和 city。",
             "你负责信息抽取：阅读句子，输出一个 JSON 对象，包含两个键：\"name\"（人名）和 \"city\"（城市名）。"
             "只输出 JSON 对象。", "句子：{{句子}}", [person], zh_pc),
        task("order_en", "en", "From the order {{order}}, extract the quantity (integer) and the unit price (number, "
             "without the $). Output JSON with the keys quantity and unit_price.",
             "You read purchase orders. Return a JSON object with \"quantity\" (an integer) and \"unit_price\" (a "
             "number without currency sign). Output only the JSON object.", "Order: {{order}}", [person], en_orders),
        task("order_zh", "zh", "从订单 {{订单}} 中抽取数量（整数）和单价（数字，不带单位），输出 JSON，键为 quantity 和 unit_price。",
             "你负责读取订单：输出一个 JSON 对象，\"quantity\" 为购买数量（整数），\"unit_price\" 为单价（数字，不带“元”）。只输出 JSON。",
             "订单：{{订单}}", [person], zh_orders),
        task("invoice_en", "en", "From {{text}}, extract the payment date (YYYY-MM-DD) and the total amount (number). "
             "Output JSON with the keys date and amount.",
             "You read invoices. Return a JSON object with \"date\" (the payment date as YYYY-MM-DD) and \"amount\" "
             "(the total as a number, no $ sign). Output only the JSON object.", "Invoice: {{text}}", [person],
             invoices),
        task("amount_zh", "zh", "找出句子 {{句子}} 中花费的金额（元），只回答数字。",
             "你负责从句子中找出花费的金额（单位：元）。只输出金额的数字，不要逗号、单位或其他文字。", "句子：{{句子}}",
             [{"kind": "numeric", "tolerance": 0.001}], zh_amounts),
        task("email_en", "en", "Extract the email address from {{text}}. Answer with the address only.",
             "You extract email addresses. Reply with the email address found in the text, exactly as written, "
             "and nothing else.", "Text: {{text}}", [{"kind": "exact", "ignore_case": True}], en_mail),
        task("email_zh", "zh", "从文本 {{文本}} 中抽取电子邮箱地址，只回答邮箱地址。",
             "你负责抽取电子邮箱地址：输出文本中的邮箱地址，原样照抄，不要其他文字。", "文本：{{文本}}",
             [{"kind": "exact", "ignore_case": True}], zh_mail),
        task("phone_en", "en", "Extract the US phone number from {{text}} and write it as NNN-NNN-NNNN. Answer with "
             "the number only.",
             "You extract phone numbers. Reply with the phone number in the text written as NNN-NNN-NNNN (digits "
             "and hyphens only), nothing else.", "Text: {{text}}", [{"kind": "exact"}], en_phone),
        task("phone_zh", "zh", "从文本 {{文本}} 中抽取手机号，写成 11 位连续数字，只回答号码。",
             "你负责抽取手机号：输出文本中的手机号，写成 11 位连续数字（去掉空格和连字符），不要其他文字。", "文本：{{文本}}",
             [{"kind": "exact"}], zh_phone),
    ]


# -- reasoning over short texts: yes/no, arithmetic -------------------------------------------------------------
def questions() -> list[dict]:
    rng = random.Random(4)
    en_yn, zh_yn, en_math, zh_math = [], [], [], []
    for i in range(N):
        name, city, age, kids = EN_NAMES[i].split()[0], EN_CITIES[i], rng.randint(19, 80), rng.randint(0, 4)
        text = f"{name} is {age} years old, lives in {city} and has {kids} {'child' if kids == 1 else 'children'}."
        kind, k = i % 3, rng.randint(20, 75)
        other = city if rng.random() < 0.5 else EN_CITIES[(i + 7) % N]
        q, yes = [(f"Is {name} older than {k}?", age > k), (f"Does {name} live in {other}?", other == city),
                  (f"Does {name} have more than one child?", kids > 1)][kind]
        en_yn.append(({"text": text, "question": q}, "yes" if yes else "no"))
        zname, zcity, zage, pets = ZH_NAMES[i], ZH_CITIES[i], rng.randint(19, 80), rng.randint(0, 3)
        ztext = f"{zname}今年{zage}岁，住在{zcity}，家里养了{pets}只猫。"
        zother = zcity if rng.random() < 0.5 else ZH_CITIES[(i + 7) % N]
        zq, zyes = [(f"{zname}超过{k}岁了吗？", zage > k), (f"{zname}住在{zother}吗？", zother == zcity),
                    (f"{zname}家里养猫吗？", pets > 0)][kind]
        zh_yn.append(({"文本": ztext, "问题": zq}, "是" if zyes else "否"))
        a, b, c = rng.randint(5, 60), rng.randint(2, 30), rng.randint(1, 9)
        en_q, en_a = [(f"{name} has {a} apples, buys {b} more and gives {c} to a friend. How many apples does "
                       f"{name} have now?", a + b - c),
                      (f"A shop has {c} boxes with {b} pencils in each box. How many pencils are there?", c * b),
                      (f"A bus carries {a + b} people. At the first stop {b} get off. How many are still on the "
                       f"bus?", a)][i % 3]
        en_math.append(({"problem": en_q}, str(en_a)))
        zq2, za2 = [(f"{zname}有{a}本书，又买了{b}本，送给同学{c}本，现在有几本？", a + b - c),
                    (f"一个班有{c}个小组，每组{b}人，一共有多少人？", c * b),
                    (f"一桶水有{a + b}升，用掉了{b}升，还剩多少升？", a)][i % 3]
        zh_math.append(({"题目": zq2}, str(za2)))
    return [
        task("yes_no_en", "en", "Answer the question {{question}} about the text {{text}} with yes or no only.",
             "You answer questions about a short text. Use only the facts in the text. Reply with exactly one word: "
             "yes or no.", "Text: {{text}}\nQuestion: {{question}}", [{"kind": "exact", "ignore_case": True}], en_yn),
        task("yes_no_zh", "zh", "根据文本 {{文本}} 回答问题 {{问题}}，只回答“是”或“否”。",
             "你根据一小段文本回答问题，只使用文本中的事实。只回答一个字：是 或 否。", "文本：{{文本}}\n问题：{{问题}}",
             [{"kind": "exact"}], zh_yn),
        task("word_problem_en", "en", "Solve the arithmetic word problem {{problem}}. Answer with the number only.",
             "You solve short arithmetic word problems. Work it out carefully and reply with the final number "
             "only, no words or units.", "Problem: {{problem}}", [{"kind": "numeric", "tolerance": 0}], en_math),
        task("word_problem_zh", "zh", "解答应用题 {{题目}}，只回答最后的数字。",
             "你负责解答简单的算术应用题。仔细计算，只输出最后的数字，不要单位或解释。", "题目：{{题目}}",
             [{"kind": "numeric", "tolerance": 0}], zh_math),
    ]


# -- classification (exact labels, hand-labelled) -----------------------------------------------------------------
EN_SENTIMENT = [
    ("The battery lasts two full days and the screen is gorgeous.", "positive"),
    ("Delivery was fast and the staff were very friendly.", "positive"),
    ("I love how quiet this dishwasher is.", "positive"),
    ("Best pizza I have had in years, we will be back.", "positive"),
    ("The hotel room was spotless and the view was stunning.", "positive"),
    ("Setup took five minutes and everything just worked.", "positive"),
    ("My kids adore this game and so do I.", "positive"),
    ("Great value for the price, highly recommended.", "positive"),
    ("The support agent solved my problem in one call.", "positive"),
    ("These shoes are comfortable from the very first day.", "positive"),
    ("The package arrived broken and nobody answered my emails.", "negative"),
    ("The app crashes every time I open the camera.", "negative"),
    ("Cold food, rude waiter, and we waited an hour.", "negative"),
    ("The strap snapped after a week of normal use.", "negative"),
    ("I regret buying this blender; it leaks everywhere.", "negative"),
    ("The flight was delayed six hours with no explanation.", "negative"),
    ("Terrible sound quality and the volume button is stuck.", "negative"),
    ("The room smelled of smoke and the heater did not work.", "negative"),
    ("They charged me twice and refused to refund.", "negative"),
    ("The jacket faded after the first wash.", "negative"),
]
ZH_SENTIMENT = [
    ("这款手机拍照清晰，电池也很耐用。", "正面"), ("快递第二天就到了，包装很仔细。", "正面"),
    ("老板人很热情，菜的味道也特别好。", "正面"), ("酒店干净整洁，服务员态度很好。", "正面"),
    ("这本书写得太精彩了，一口气读完。", "正面"), ("耳机音质很棒，戴着也舒服。", "正面"),
    ("价格实惠，质量超出预期，推荐购买。", "正面"), ("客服很快就帮我解决了问题，非常满意。", "正面"),
    ("孩子很喜欢这个玩具，每天都在玩。", "正面"), ("电影节奏紧凑，演员演技在线。", "正面"),
    ("收到的杯子是碎的，客服一直不回复。", "负面"), ("这个软件总是闪退，根本没法用。", "负面"),
    ("等了一个小时才上菜，而且菜是凉的。", "负面"), ("衣服洗了一次就掉色了，太失望了。", "负面"),
    ("房间里有烟味，空调也坏了。", "负面"), ("航班延误五个小时，也没有任何解释。", "负面"),
    ("质量太差，用了三天就坏了。", "负面"), ("重复扣了我两次钱，还不给退款。", "负面"),
    ("鞋子磨脚，穿一天脚都破了。", "负面"), ("售后态度恶劣，再也不会买了。", "负面"),
]
EN_TOPIC = [
    ("The striker scored twice in the second half to win the cup final.", "sports"),
    ("She broke the national record in the 400 metres on Saturday.", "sports"),
    ("The coach was fired after the team lost eight games in a row.", "sports"),
    ("The tennis champion withdrew from the tournament with a knee injury.", "sports"),
    ("Both teams went to overtime before the home side sank the winning basket.", "sports"),
    ("The new chip doubles battery life for laptops.", "technology"),
    ("The company released an update that fixes a security flaw in its browser.", "technology"),
    ("Researchers built a robot that can sort recycling by itself.", "technology"),
    ("The phone maker unveiled a foldable screen at the developer conference.", "technology"),
    ("Engineers moved the database to a new cloud platform over the weekend.", "technology"),
    ("The central bank raised interest rates by a quarter point.", "finance"),
    ("Shares of the retailer fell 8% after weak quarterly earnings.", "finance"),
    ("The fund manager moved more of the portfolio into government bonds.", "finance"),
    ("Mortgage lending slowed as house prices kept rising.", "finance"),
    ("The startup raised 20 million dollars from investors.", "finance"),
    ("Slow-roast the lamb with garlic and rosemary for three hours.", "food"),
    ("This bakery makes the flakiest croissants in town.", "food"),
    ("Add the noodles to the broth and simmer for five minutes.", "food"),
    ("The new vegan menu features a spicy lentil curry.", "food"),
    ("Whisk the eggs with sugar until pale before folding in the flour.", "food"),
]
ZH_TOPIC = [
    ("主队在最后一分钟攻入制胜球，夺得联赛冠军。", "体育"), ("她在全运会上打破了女子一百米纪录。", "体育"),
    ("这名篮球运动员因脚踝受伤将缺席三周。", "体育"), ("国家乒乓球队公布了世锦赛参赛名单。", "体育"),
    ("马拉松比赛吸引了三万名跑者参加。", "体育"),
    ("这款新芯片让笔记本电脑的续航提升了一倍。", "科技"), ("研究团队开发出一种能自动分拣垃圾的机器人。", "科技"),
    ("公司发布了修复浏览器安全漏洞的更新。", "科技"), ("工程师把数据库迁移到了新的云平台。", "科技"),
    ("这款折叠屏手机在发布会上首次亮相。", "科技"),
    ("央行宣布下调存款准备金率零点五个百分点。", "财经"), ("该公司季度利润下滑，股价大跌百分之八。", "财经"),
    ("基金经理增加了国债在投资组合中的比例。", "财经"), ("这家初创企业完成了两亿元的融资。", "财经"),
    ("受房价影响，本月房贷发放量有所放缓。", "财经"),
    ("把五花肉切块，加冰糖和酱油小火炖一个小时。", "美食"), ("这家小店的牛肉面汤头浓郁，面条筋道。", "美食"),
    ("饺子煮到浮起后再加一次冷水。", "美食"), ("新开的川菜馆招牌菜是麻婆豆腐。", "美食"),
    ("蛋清打发到硬性发泡后再拌入面糊。", "美食"),
]


def classification() -> list[dict]:
    rng = random.Random(5)

    def shuffled(rows: list[tuple[str, str]], key: str) -> list[tuple[dict, str]]:
        rows = list(rows)
        rng.shuffle(rows)
        return [({key: text}, label) for text, label in rows]
    return [
        task("sentiment_en", "en", "Classify the sentiment of the review {{review}} as positive or negative. Answer "
             "with the label only.",
             "You classify the sentiment of product and service reviews. Reply with exactly one word: positive or "
             "negative.", "Review: {{review}}", [{"kind": "exact", "ignore_case": True}],
             shuffled(EN_SENTIMENT, "review")),
        task("sentiment_zh", "zh", "判断评论 {{评论}} 的情感是正面还是负面，只回答“正面”或“负面”。",
             "你负责判断用户评论的情感倾向。只回答一个词：正面 或 负面。", "评论：{{评论}}", [{"kind": "exact"}],
             shuffled(ZH_SENTIMENT, "评论")),
        task("topic_en", "en", "Classify the news sentence {{sentence}} into one topic: sports, technology, finance "
             "or food. Answer with the label only.",
             "You classify short news sentences by topic. The topics are: sports, technology, finance, food. Reply "
             "with exactly one of these words, in lower case.", "Sentence: {{sentence}}",
             [{"kind": "exact", "ignore_case": True}], shuffled(EN_TOPIC, "sentence")),
        task("topic_zh", "zh", "把新闻句子 {{句子}} 归入一个类别：体育、科技、财经或美食，只回答类别名。",
             "你负责给新闻句子分类，类别只有四个：体育、科技、财经、美食。只回答其中一个类别名。", "句子：{{句子}}",
             [{"kind": "exact"}], shuffled(ZH_TOPIC, "句子")),
    ]


# -- JSON Schema conformance ------------------------------------------------------------------------------------
PERSON_SCHEMA = {"type": "object", "required": ["name", "age", "city"],
                 "properties": {"name": {"type": "string", "minLength": 1}, "age": {"type": "integer"},
                                "city": {"type": "string", "minLength": 1}}}
PRODUCT_SCHEMA = {"type": "object", "required": ["product", "price", "in_stock"],
                  "properties": {"product": {"type": "string", "minLength": 1}, "price": {"type": "number"},
                                 "in_stock": {"type": "boolean"}}}
ZH_PRODUCTS = ["无线鼠标", "机械键盘", "保温杯", "电热水壶", "蓝牙音箱", "台灯", "空气炸锅", "电动牙刷", "充电宝", "双肩包"]


def schemas() -> list[dict]:
    rng = random.Random(6)
    people, products, shown = [], [], set()
    for i in range(N):
        name, city, age = EN_NAMES[i], EN_CITIES[(i * 3) % N], rng.randint(18, 85)
        job = ["nurse", "pilot", "baker", "lawyer", "engineer"][i % 5]
        text = [f"{name}, {age}, works as a {job} in {city}.", f"Meet {name}: a {age}-year-old {job} from {city}.",
                f"{name} ({age}) is a {job} based in {city}."][i % 3]
        people.append(({"profile": text}, js({"name": name, "age": age, "city": city})))
        product, price, stock = ZH_PRODUCTS[i % 10], rng.choice([29, 49.9, 89, 129, 199, 259.5, 399]), i % 3 != 0
        price = distinct([*[p for p, s in shown if s == (product, stock)], price], [29, 49.9, 89, 129, 199, 259.5,
                                                                                  399, 59, 159])[-1]
        shown.add((price, (product, stock)))
        ztext = f"商品：{product}，售价 {price:g} 元，{'目前有货' if stock else '暂时缺货'}。"
        products.append(({"商品": ztext}, js({"product": product, "price": price, "in_stock": stock})))
    return [
        task("person_schema_en", "en", "Turn the profile {{profile}} into JSON with name (string), age (integer) and "
             "city (string).",
             "You turn short profiles into JSON. Output one JSON object with exactly these keys: \"name\" (string), "
             "\"age\" (integer) and \"city\" (string). Output only the JSON object.", "Profile: {{profile}}",
             [{"kind": "json_schema", "value": js(PERSON_SCHEMA)}], people),
        task("product_schema_zh", "zh", "把商品信息 {{商品}} 转成 JSON：product（字符串）、price（数字）、in_stock（布尔值）。",
             "你负责把商品信息转成 JSON。输出一个 JSON 对象，包含键 \"product\"（字符串）、\"price\"（数字，不带单位）和 "
             "\"in_stock\"（布尔值 true 或 false）。只输出 JSON 对象。", "商品：{{商品}}",
             [{"kind": "json_schema", "value": js(PRODUCT_SCHEMA)}], products),
    ]


def build() -> list[dict]:
    """Every task, in a fixed order that alternates the kinds (so ``--tasks N`` takes a mix)."""
    groups = [conversions(), formats(), extraction(), questions(), classification(), schemas()]
    tasks, i = [], 0
    while any(groups):
        group = groups[i % len(groups)]
        if group:
            tasks.append(group.pop(0))
        i += 1
    return tasks


def main() -> None:
    tasks = build()
    OUT.write_text(json.dumps({"tasks": tasks}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(tasks)} tasks, {sum(len(t['cases']) for t in tasks)} cases -> {OUT}")


if __name__ == "__main__":
    main()
