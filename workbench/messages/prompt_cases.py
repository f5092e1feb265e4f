"""What the prompt studio says (templates, cases, splits, promptfoo YAML): en and zh by code,
plain data. The codes are the PromptError keys of workbench/prompt_studio/.

``prompt_template.*``: a template refused (``templates.py``; ``part_system`` / ``part_user`` name its parts inside
other messages). ``prompt_case.*``: a case file or case refused (``cases.py``). ``prompt_split.*``: a split refused
(``splits.py``). ``prompt_copy.*``: a candidate prompt refused by the anti-copy check (``copycheck.py``).
"""

from __future__ import annotations

EN: dict[str, str] = {
    "prompt_template.part_system": "system prompt",
    "prompt_template.part_user": "user message",
    "prompt_template.user_required": "Write the user message: it is what the model is asked each time, with "
                                     "{{{{variables}}}} for what changes from case to case.",
    "prompt_template.too_long": "The {part} is too long: {count} characters, at most {most}. Shorten it, or move "
                                "long reference text into a variable.",
    "prompt_template.unclosed": "The {part} opens a variable with “{{{{” that is never closed: “{excerpt}”. Close "
                                "it with “}}}}”, e.g. {{{{city}}}}.",
    "prompt_template.bad_name": "“{excerpt}” in the {part} is not a variable: a name starts with a letter or “_”, "
                                "then letters, digits or “_” (at most 64), e.g. {{{{city}}}} or {{{{城市}}}}.",
    "prompt_template.too_many_examples": "Too many few-shot examples: {count}, at most {most}. Keep the ones that "
                                         "show the model something new.",
    "prompt_template.example_missing": "Example {number} has no value for “{name}”: give it a value for every "
                                       "variable of the template.",
    "prompt_template.example_unknown": "Example {number} gives “{name}”, which the template does not use: remove it, "
                                       "or add {{{{{name}}}}} to the template.",
    "prompt_template.example_not_text": "Example {number}: the value of “{name}” must be text.",
    "prompt_template.example_output": "Example {number} has no output: write the answer the model should give.",
    "prompt_template.missing_value": "Give a value for “{name}”: the template uses {{{{{name}}}}}.",
    "prompt_case.file_type": "“{name}” is not a case file: upload a .csv (e.g. saved from Excel), .jsonl or .json "
                             "file.",
    "prompt_case.too_big": "The file is too big: at most {most} MB. Split it into several files.",
    "prompt_case.too_many": "Too many cases: at most {most} in one set. Keep the most telling ones, or split them "
                            "into several sets.",
    "prompt_case.empty": "The file has no cases. Put one case a row under a header row that names the columns.",
    "prompt_case.encoding": "The file's text encoding is not readable: save it as UTF-8 (Excel: “CSV UTF-8”).",
    "prompt_case.bad_csv": "The file is not a readable CSV ({reason}). Save it again as CSV from your spreadsheet.",
    "prompt_case.no_variables": "No variable column: besides expected, criteria and drafted, name at least one "
                                "column after a variable of the prompt (e.g. city for {{{{city}}}}).",
    "prompt_case.duplicate_column": "The header names the column “{column}” twice; give each column its own name.",
    "prompt_case.unnamed_column": "Row {row} has a value in a column without a name: name the column in the header "
                                  "row, or empty it.",
    "prompt_case.extra_cells": "Row {row} has more cells than the header has columns ({most}): name the extra "
                               "columns in the header, or remove the extra cells (a stray comma?).",
    "prompt_case.bad_json": "Row {row} is not a JSON object: write one object a line, e.g. "
                            "{{\"vars\": {{\"city\": \"Paris\"}}, \"expected\": \"...\"}}.",
    "prompt_case.bad_json_file": "The file is not valid JSON (see line {line}). A .json case file is a list of "
                                 "objects; check the quotes and commas there.",
    "prompt_case.not_list": "A .json case file is a list of objects, [{{...}}, {{...}}]; for one object a line, "
                            "name the file .jsonl.",
    "prompt_case.vars": "Row {row}: “vars” must be an object of variable names and values, e.g. "
                        "{{\"city\": \"Paris\"}}.",
    "prompt_case.not_text": "Row {row}, column “{column}”: the value must be text or a number; fill it in.",
    "prompt_case.drafted": "Row {row}: “drafted” is true or false (1 / 0, 是 / 否), not “{value}”.",
    "prompt_case.missing_value": "Case {row} has no value for “{column}”, a variable of the prompt: add the column "
                                 "or fill it in.",
    "prompt_split.fraction": "The held-out share must be more than 0 and at most {most} (e.g. 0.3), not {value}.",
    "prompt_split.too_few": "At least 2 cases are needed: one to learn from and one to check on. You have {count}; "
                            "add more cases.",
    "prompt_copy.pasted": "The candidate prompt was refused: it pastes the expected answer of training case {case} "
                          "(“{excerpt}”). A prompt must teach the task, not carry the answers of its tests.",
}

ZH: dict[str, str] = {
    "prompt_template.part_system": "系统提示词",
    "prompt_template.part_user": "用户消息",
    "prompt_template.user_required": "请填写用户消息：这是每次向模型提出的问题，随用例变化的部分用 "
                                     "{{{{变量}}}} 表示。",
    "prompt_template.too_long": "{part}太长：共 {count} 个字符，最多 {most} 个。请精简，或把较长的参考资料放进变量。",
    "prompt_template.unclosed": "{part}中的“{{{{”没有闭合：“{excerpt}”。请用“}}}}”闭合，例如 {{{{city}}}}。",
    "prompt_template.bad_name": "{part}中的“{excerpt}”不是合法变量：变量名以字母或“_”开头，后接字母、数字或“_”"
                                "（最多 64 个），例如 {{{{city}}}} 或 {{{{城市}}}}。",
    "prompt_template.too_many_examples": "少样本示例太多：共 {count} 个，最多 {most} 个。请保留能给模型新信息的示例。",
    "prompt_template.example_missing": "示例 {number} 缺少“{name}”的值：请为模板中的每个变量都填上值。",
    "prompt_template.example_unknown": "示例 {number} 给出了模板没有用到的“{name}”：请删掉它，或在模板中加入 "
                                       "{{{{{name}}}}}。",
    "prompt_template.example_not_text": "示例 {number}：“{name}”的值必须是文本。",
    "prompt_template.example_output": "示例 {number} 没有输出：请写出模型应当给出的回答。",
    "prompt_template.missing_value": "请为“{name}”填写值：模板中用到了 {{{{{name}}}}}。",
    "prompt_case.file_type": "“{name}”不是用例文件：请上传 .csv（例如从 Excel 另存）、.jsonl 或 .json 文件。",
    "prompt_case.too_big": "文件太大：最多 {most} MB，请拆成几个文件。",
    "prompt_case.too_many": "用例太多：一组最多 {most} 条。请保留最有代表性的用例，或拆成几组。",
    "prompt_case.empty": "文件中没有用例。请在第一行写列名，其下每行一条用例。",
    "prompt_case.encoding": "无法识别文件的文字编码：请另存为 UTF-8（Excel 中选“CSV UTF-8”）。",
    "prompt_case.bad_csv": "无法读取该 CSV 文件（{reason}）。请在表格软件中重新另存为 CSV。",
    "prompt_case.no_variables": "没有变量列：除 expected、criteria、drafted 外，请至少有一列以提示词中的变量命名"
                                "（例如 {{{{city}}}} 对应 city 列）。",
    "prompt_case.duplicate_column": "表头中“{column}”列出现了两次，请为每列取不同的名字。",
    "prompt_case.unnamed_column": "第 {row} 行在没有列名的列中有值：请在表头为该列命名，或清空这些单元格。",
    "prompt_case.extra_cells": "第 {row} 行的单元格比表头的 {most} 列多：请在表头为多出的列命名，或删掉多余的单元格"
                               "（是否多了一个逗号？）。",
    "prompt_case.bad_json": "第 {row} 行不是 JSON 对象：每行写一个对象，例如 "
                            "{{\"vars\": {{\"city\": \"巴黎\"}}, \"expected\": \"...\"}}。",
    "prompt_case.bad_json_file": "文件不是有效的 JSON（见第 {line} 行）。.json 用例文件是由对象组成的列表，"
                                 "请检查该处的引号和逗号。",
    "prompt_case.not_list": ".json 用例文件应是对象列表 [{{...}}, {{...}}]；若每行一个对象，请把文件命名为 .jsonl。",
    "prompt_case.vars": "第 {row} 行：“vars”必须是由变量名和值组成的对象，例如 {{\"city\": \"巴黎\"}}。",
    "prompt_case.not_text": "第 {row} 行“{column}”列：值必须是文本或数字，请填写。",
    "prompt_case.drafted": "第 {row} 行：“drafted”应为 true 或 false（1 / 0、是 / 否），而不是“{value}”。",
    "prompt_case.missing_value": "用例 {row} 缺少提示词变量“{column}”的值：请添加该列或填写该值。",
    "prompt_split.fraction": "留出比例须大于 0 且不超过 {most}（例如 0.3），不能是 {value}。",
    "prompt_split.too_few": "至少需要 2 条用例：一条用于学习，一条用于检验。现在只有 {count} 条，请再添加一些。",
    "prompt_copy.pasted": "候选提示词已被拒绝：其中照搬了训练用例 {case} 的期望答案（“{excerpt}”）。提示词应当教会"
                          "模型完成任务，而不是夹带测试的答案。",
}
