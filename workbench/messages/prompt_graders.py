"""What the prompt studio says (graders and requirement checks): en and zh by code,
plain data. The codes are the PromptError keys of workbench/prompt_studio/.

``prompt_grader.<code>``: a grader refused (``graders.check_grader``) or a grade's feedback (what was expected, what
came). ``prompt_requirement.<code>``: a requirement of the original prompt, kept or dropped by a rewrite.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # refusals of a grader
    "prompt_grader.entry": "Each grader is an object with a “kind” (text), and optionally “value” (text), "
                           "“tolerance” and “weight” (numbers) and “ignore_case” (true or false).",
    "prompt_grader.kind": "“{kind}” is not a kind of grader: choose one of {kinds}.",
    "prompt_grader.needs_value": "A {kind} grader needs a value: write {what} in it.",
    "prompt_grader.too_long": "Too long: at most {most} characters.",
    "prompt_grader.regex": "The regular expression does not compile ({error}): check its brackets and backslashes.",
    "prompt_grader.regex_slow": "This regular expression can take very long on some outputs (a repeat inside a "
                                "repeat, or two broad repeats in a row such as “.*.*”): write it more narrowly, "
                                "e.g. “(\\w+\\s)+” instead of “(\\w+\\s?)+”.",
    "prompt_grader.schema_json": "The JSON Schema is not valid JSON ({error}): paste the schema itself, e.g. "
                                 "{{\"type\": \"object\", \"required\": [\"answer\"]}}.",
    "prompt_grader.schema": "Not a valid JSON Schema (draft 2020-12): {error} (at {path}).",
    "prompt_grader.json_value": "The value is not valid JSON ({error}): write the expected JSON, or leave it empty "
                                "to use each case's expected output.",
    "prompt_grader.number": "“{value}” is not a number: write the expected number, e.g. 3.2, or leave it empty to "
                            "use each case's expected output.",
    "prompt_grader.tolerance": "The tolerance must be a number of 0 or more (how far the output's number may be "
                               "from the expected one).",
    "prompt_grader.weight": "The weight must be a number above 0 and at most 100.",
    "prompt_grader.none": "Add at least one grader: a test case needs something to be scored by.",
    # feedback of a grade
    "prompt_grader.no_expected": "This {kind} grader compares with the case's expected output, and the case has none: "
                                 "write the expected output, or give the grader a value.",
    "prompt_grader.exact_ok": "The output equals the expected output.",
    "prompt_grader.exact_no": "Expected exactly “{expected}”, but the output was “{output}”.",
    "prompt_grader.contains_ok": "The output contains “{text}”.",
    "prompt_grader.contains_no": "The output should contain “{text}” but does not; it was “{output}”.",
    "prompt_grader.regex_ok": "The output matches {pattern} (found “{found}”).",
    "prompt_grader.regex_no": "The output does not match {pattern}; it was “{output}”.",
    "prompt_grader.json_none": "No JSON found in the output (expected a JSON object or list); it was “{output}”.",
    "prompt_grader.schema_ok": "The output's JSON matches the schema.",
    "prompt_grader.schema_no": "The output's JSON breaks the schema at {path}: {error}",
    "prompt_grader.schema_ref": "The schema refers to “{ref}”, which cannot be fetched: put the definition in the "
                                "schema itself ($defs).",
    "prompt_grader.expected_json": "The case's expected output is not JSON ({error}): write it as JSON for a JSON "
                                   "match grader.",
    "prompt_grader.json_ok": "The output's JSON has the expected value for all {total} keys.",
    "prompt_grader.json_keys": "{matched} of {total} expected keys have the expected value; wrong or missing: {keys}.",
    "prompt_grader.json_same": "The output's JSON equals the expected JSON.",
    "prompt_grader.json_list": "The output's JSON {found} differs from the expected {expected}.",
    "prompt_grader.numeric_ok": "Found {found}, within {tolerance} of the expected {expected}.",
    "prompt_grader.numeric_off": "Found {found}, but expected {expected} (± {tolerance}): off by {diff}.",
    "prompt_grader.numeric_none": "No number in the output (expected {expected}); it was “{output}”.",
    "prompt_grader.expected_number": "The case's expected output “{expected}” has no number for a numeric grader to "
                                     "compare with: write the number, or give the grader a value.",
    "prompt_grader.judge": "The judge gave {score}/10: {feedback}",
    "prompt_grader.judge_unreadable": "The judge's answer could not be read, so the score is 0 (it began "
                                      "“{answer}”). A larger judge model follows the answer format better.",
    "prompt_grader.summary": "{passed} of {total} graders passed (score {score}):\n{lines}",
    # requirements of the original prompt
    "prompt_requirement.kind_variable": "variable",
    "prompt_requirement.kind_format": "output format",
    "prompt_requirement.kind_constraint": "constraint",
    "prompt_requirement.kind_fact": "detail",
    "prompt_requirement.kept": "Kept: the {kind} “{text}”.",
    "prompt_requirement.variable_dropped": "Dropped: the variable {name} is gone, so the test cases' values no longer "
                                           "reach the prompt. Put it back exactly as written.",
    "prompt_requirement.format_dropped": "Dropped: the original asks for {format} (“{text}”); the rewrite no longer "
                                         "says so.",
    "prompt_requirement.dropped": "Dropped: the {kind} “{text}” (missing: {missing}).",
    "prompt_requirement.turned": "Changed: the {kind} “{text}” no longer says “{word}” in the rewrite.",
}

ZH: dict[str, str] = {
    "prompt_grader.entry": "每个评分器是一个对象：必须有“kind”（文本），可选“value”（文本）、“tolerance”和“weight”"
                           "（数字）以及“ignore_case”（true 或 false）。",
    "prompt_grader.kind": "没有“{kind}”这种评分器，请从 {kinds} 中选择。",
    "prompt_grader.needs_value": "{kind} 评分器需要填写取值：请写入{what}。",
    "prompt_grader.too_long": "太长：最多 {most} 个字符。",
    "prompt_grader.regex": "正则表达式无法编译（{error}），请检查括号和反斜杠。",
    "prompt_grader.regex_slow": "这个正则表达式在某些输出上可能运行极久（重复里套着重复，或像“.*.*”这样连着两个宽泛的"
                                "重复）。请写得更具体，例如用“(\\w+\\s)+”代替“(\\w+\\s?)+”。",
    "prompt_grader.schema_json": "JSON Schema 不是有效的 JSON（{error}）。请粘贴 Schema 本身，例如 "
                                 "{{\"type\": \"object\", \"required\": [\"answer\"]}}。",
    "prompt_grader.schema": "不是有效的 JSON Schema（draft 2020-12）：{error}（位置：{path}）。",
    "prompt_grader.json_value": "取值不是有效的 JSON（{error}）。请写入期望的 JSON，或留空以使用每个用例的期望输出。",
    "prompt_grader.number": "“{value}”不是数字。请写入期望的数字（如 3.2），或留空以使用每个用例的期望输出。",
    "prompt_grader.tolerance": "容差必须是大于或等于 0 的数字（输出中的数字与期望值最多可以相差多少）。",
    "prompt_grader.weight": "权重必须是大于 0、不超过 100 的数字。",
    "prompt_grader.none": "请至少添加一个评分器：测试用例需要有评分的依据。",
    "prompt_grader.no_expected": "{kind} 评分器要与用例的期望输出比较，但该用例没有期望输出：请填写期望输出，"
                                 "或为评分器写入取值。",
    "prompt_grader.exact_ok": "输出与期望输出完全一致。",
    "prompt_grader.exact_no": "期望输出恰好是“{expected}”，实际输出却是“{output}”。",
    "prompt_grader.contains_ok": "输出中包含“{text}”。",
    "prompt_grader.contains_no": "输出中应包含“{text}”，但没有；实际输出是“{output}”。",
    "prompt_grader.regex_ok": "输出匹配 {pattern}（匹配到“{found}”）。",
    "prompt_grader.regex_no": "输出不匹配 {pattern}；实际输出是“{output}”。",
    "prompt_grader.json_none": "输出中找不到 JSON（期望一个 JSON 对象或列表）；实际输出是“{output}”。",
    "prompt_grader.schema_ok": "输出的 JSON 符合 Schema。",
    "prompt_grader.schema_no": "输出的 JSON 在 {path} 处不符合 Schema：{error}",
    "prompt_grader.schema_ref": "Schema 引用了“{ref}”，但无法获取它：请把该定义写进 Schema 本身（$defs）。",
    "prompt_grader.expected_json": "用例的期望输出不是 JSON（{error}）：JSON 匹配评分器需要把期望输出写成 JSON。",
    "prompt_grader.json_ok": "输出 JSON 的全部 {total} 个键都是期望的值。",
    "prompt_grader.json_keys": "期望的 {total} 个键中有 {matched} 个取值正确；错误或缺失的键：{keys}。",
    "prompt_grader.json_same": "输出的 JSON 与期望的 JSON 相同。",
    "prompt_grader.json_list": "输出的 JSON {found} 与期望的 {expected} 不同。",
    "prompt_grader.numeric_ok": "找到 {found}，与期望值 {expected} 相差在 {tolerance} 以内。",
    "prompt_grader.numeric_off": "找到 {found}，但期望值是 {expected}（± {tolerance}）：相差 {diff}。",
    "prompt_grader.numeric_none": "输出中没有数字（期望值为 {expected}）；实际输出是“{output}”。",
    "prompt_grader.expected_number": "用例的期望输出“{expected}”中没有可供数值评分器比较的数字：请写入数字，"
                                     "或为评分器写入取值。",
    "prompt_grader.judge": "评审模型打了 {score}/10 分：{feedback}",
    "prompt_grader.judge_unreadable": "无法读懂评审模型的回答，因此记 0 分（回答开头是“{answer}”）。更大的评审模型"
                                      "更能遵守回答格式。",
    "prompt_grader.summary": "{total} 个评分器中有 {passed} 个通过（得分 {score}）：\n{lines}",
    "prompt_requirement.kind_variable": "变量",
    "prompt_requirement.kind_format": "输出格式",
    "prompt_requirement.kind_constraint": "约束",
    "prompt_requirement.kind_fact": "细节",
    "prompt_requirement.kept": "已保留：{kind}“{text}”。",
    "prompt_requirement.variable_dropped": "已丢失：变量 {name} 不见了，测试用例的取值将无法传入提示词。请按原样加回。",
    "prompt_requirement.format_dropped": "已丢失：原提示词要求输出 {format}（“{text}”），改写后不再提及。",
    "prompt_requirement.dropped": "已丢失：{kind}“{text}”（缺少：{missing}）。",
    "prompt_requirement.turned": "已改变：改写后的{kind}“{text}”不再包含“{word}”。",
}
