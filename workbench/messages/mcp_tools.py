"""What the MCP hub says about a tool's arguments and schema (workbench/mcp/schemas.py, forms.py, functions.py): en
and zh templates by code, plain data.

``tool_args.<what>``: why a tool's arguments are refused (``McpInvalid``, code ``tool_args``), before the call; ``name``
is the JSON path of the bad value (``filters[0].name``). ``tool_type.*`` and ``tool_args.the_arguments`` are never
raised: they are put in another message's field. ``schema_change.<what>``: what the translation of a tool's schema
into a chat model's function changed or left out, and why (``functions.Change``).
"""

from __future__ import annotations

EN: dict[str, str] = {
    # the arguments against the tool's own schema (schemas.check_arguments)
    "tool_args.required": "“{name}” is required.",
    "tool_args.type": "“{name}” must be {expected}.",
    "tool_args.enum": "“{name}” must be one of: {options}.",
    "tool_args.const": "“{name}” must be {value}.",
    "tool_args.minimum": "“{name}” must be at least {limit}.",
    "tool_args.maximum": "“{name}” must be at most {limit}.",
    "tool_args.exclusive_minimum": "“{name}” must be more than {limit}.",
    "tool_args.exclusive_maximum": "“{name}” must be less than {limit}.",
    "tool_args.multiple_of": "“{name}” must be a multiple of {limit}.",
    "tool_args.min_length": "“{name}” must have at least {limit} characters.",
    "tool_args.max_length": "“{name}” must have at most {limit} characters.",
    "tool_args.pattern": "“{name}” does not have the form the tool expects (the pattern {pattern}).",
    "tool_args.min_items": "“{name}” must have at least {limit} item(s).",
    "tool_args.max_items": "“{name}” must have at most {limit} item(s).",
    "tool_args.unique_items": "“{name}” has the same item more than once.",
    "tool_args.min_properties": "“{name}” must have at least {limit} entries.",
    "tool_args.max_properties": "“{name}” must have at most {limit} entries.",
    "tool_args.extra": "“{name}” is not an argument this tool takes. Leave it out.",
    "tool_args.any_of": "“{name}” fits none of the kinds of value the tool accepts here.",
    "tool_args.one_of": "“{name}” fits more than one of the kinds of value the tool accepts here; make it fit exactly "
                        "one.",
    "tool_args.not": "“{name}” has a value the tool does not accept here.",
    "tool_args.invalid": "“{name}” does not fit the tool's schema (its rule “{keyword}”).",
    "tool_args.schema_broken": "The tool's input schema is not valid JSON Schema (at {where}), so its arguments cannot "
                               "be checked. Tell whoever maintains the MCP server.",
    "tool_args.unresolvable": "The tool's input schema refers to {ref}, which is not part of it, so its arguments "
                              "cannot be checked. Tell whoever maintains the MCP server.",
    # a form's values (forms.arguments_of)
    "tool_args.bad_json": "“{name}” is not valid JSON (line {line}, column {column}).",
    "tool_args.not_a_number": "“{name}” must be a number, not “{value}”.",
    "tool_args.not_an_integer": "“{name}” must be a whole number, not “{value}”.",
    "tool_args.not_a_boolean": "“{name}” must be true or false, not “{value}”.",
    "tool_args.not_a_choice": "“{name}” must be one of: {options}.",
    "tool_args.no_branch": "Choose what kind of value “{name}” is: {options}.",
    "tool_args.not_a_list": "“{name}” must be a JSON list, like [\"a\", \"b\"].",
    "tool_args.not_an_object": "“{name}” must be a JSON object, like {{\"key\": \"value\"}}.",
    # words put in the messages above
    "tool_args.the_arguments": "the arguments",
    "tool_type.string": "text",
    "tool_type.number": "a number",
    "tool_type.integer": "a whole number",
    "tool_type.boolean": "true or false",
    "tool_type.object": "an object",
    "tool_type.array": "a list",
    "tool_type.null": "empty (null)",
    "tool_type.either": "{first} or {second}",
    # the tool's schema as a chat model's function (functions.parameters_of): what changed and why
    "schema_change.ref_inlined": "References ($ref) were replaced by the schemas they point to, which chat models "
                                 "cannot follow: {places}.",
    "schema_change.ref_recursive": "A schema that contains itself ({keyword}) is cut at {places}: there the model may "
                                   "give any value of that type; the tool's own schema checks it before the call.",
    "schema_change.ref_unresolvable": "A reference ({keyword}) that points outside the tool's schema was replaced by "
                                      "“any value” at {places}; the tool checks the value itself.",
    "schema_change.defs_inlined": "The definitions ({keyword}) were left out once inlined where used.",
    "schema_change.nullable": "“Or null” was taken out at {places}: the model leaves such a value out instead of "
                              "giving null, so it is no longer required (a required one goes to the tool as null).",
    "schema_change.null_default": "A default of null was left out with the “or null” at {places}.",
    "schema_change.one_of": "“oneOf” became “anyOf” at {places}, which chat models accept; the tool's schema still "
                            "checks that exactly one fits.",
    "schema_change.const": "“const” became a one-value “enum” at {places}.",
    "schema_change.type_list": "A list of types became “anyOf” at {places}.",
    "schema_change.all_of": "“allOf” was merged into one schema at {places}.",
    "schema_change.all_of_conflict": "“allOf” parts disagree on “{keyword}” at {places}: the first part's value is "
                                     "given to the model; the tool's schema checks all of them before the call.",
    "schema_change.exclusive_bound": "An exclusive bound ({keyword}) on a whole number became an inclusive one at "
                                     "{places}.",
    "schema_change.dropped": "“{keyword}” is not accepted by chat models and was left out at {places}; the "
                             "arguments are still checked against it before the call.",
    "schema_change.annotation": "“{keyword}” only describes the schema (it checks nothing) and was left out at "
                                "{places}.",
    "schema_change.never_allowed": "A property the schema forbids (false) was left out: {places}.",
    "schema_change.root_typed": "The schema's root was given “type”: “object”, as chat models require.",
    "schema_change.root_union": "The root's alternatives ({keyword}) were merged into one object: the model sees "
                                "every alternative's properties, and only those all of them need are required. The "
                                "tool's schema checks the alternative before the call.",
    "schema_change.root_wrapped": "The root is not an object, so the model gives it as the property “{keyword}”; it is "
                                  "unwrapped before the call.",
    "schema_change.description_cut": "A description longer than {keyword} characters was cut at {places}.",
}

ZH: dict[str, str] = {
    "tool_args.required": "“{name}”为必填项。",
    "tool_args.type": "“{name}”应为{expected}。",
    "tool_args.enum": "“{name}”须为以下之一：{options}。",
    "tool_args.const": "“{name}”须为 {value}。",
    "tool_args.minimum": "“{name}”不能小于 {limit}。",
    "tool_args.maximum": "“{name}”不能大于 {limit}。",
    "tool_args.exclusive_minimum": "“{name}”须大于 {limit}。",
    "tool_args.exclusive_maximum": "“{name}”须小于 {limit}。",
    "tool_args.multiple_of": "“{name}”须为 {limit} 的倍数。",
    "tool_args.min_length": "“{name}”至少需要 {limit} 个字符。",
    "tool_args.max_length": "“{name}”最多 {limit} 个字符。",
    "tool_args.pattern": "“{name}”的格式不符合工具的要求（模式 {pattern}）。",
    "tool_args.min_items": "“{name}”至少需要 {limit} 项。",
    "tool_args.max_items": "“{name}”最多 {limit} 项。",
    "tool_args.unique_items": "“{name}”中有重复的项。",
    "tool_args.min_properties": "“{name}”至少需要 {limit} 个条目。",
    "tool_args.max_properties": "“{name}”最多 {limit} 个条目。",
    "tool_args.extra": "“{name}”不是此工具接受的参数，请删去。",
    "tool_args.any_of": "“{name}”不符合工具在此处接受的任何一种取值。",
    "tool_args.one_of": "“{name}”同时符合工具在此处接受的多种取值，请使其只符合其中一种。",
    "tool_args.not": "“{name}”的值是工具在此处不接受的。",
    "tool_args.invalid": "“{name}”不符合工具的参数定义（规则“{keyword}”）。",
    "tool_args.schema_broken": "此工具的输入参数定义不是有效的 JSON Schema（位置 {where}），无法检查参数。"
                               "请告知该 MCP 服务器的维护者。",
    "tool_args.unresolvable": "此工具的输入参数定义引用了 {ref}，但它不在定义之内，无法检查参数。"
                              "请告知该 MCP 服务器的维护者。",
    "tool_args.bad_json": "“{name}”不是有效的 JSON（第 {line} 行第 {column} 列）。",
    "tool_args.not_a_number": "“{name}”须为数字，而不是“{value}”。",
    "tool_args.not_an_integer": "“{name}”须为整数，而不是“{value}”。",
    "tool_args.not_a_boolean": "“{name}”须为 true 或 false，而不是“{value}”。",
    "tool_args.not_a_choice": "“{name}”须为以下之一：{options}。",
    "tool_args.no_branch": "请选择“{name}”的取值类型：{options}。",
    "tool_args.not_a_list": "“{name}”须为 JSON 列表，例如 [\"a\", \"b\"]。",
    "tool_args.not_an_object": "“{name}”须为 JSON 对象，例如 {{\"key\": \"value\"}}。",
    "tool_args.the_arguments": "参数",
    "tool_type.string": "文本",
    "tool_type.number": "数字",
    "tool_type.integer": "整数",
    "tool_type.boolean": "布尔值（true 或 false）",
    "tool_type.object": "对象",
    "tool_type.array": "列表",
    "tool_type.null": "空值（null）",
    "tool_type.either": "{first}或{second}",
    "schema_change.ref_inlined": "引用（$ref）已替换为其指向的定义，因为聊天模型无法解析引用：{places}。",
    "schema_change.ref_recursive": "包含自身的定义（{keyword}）在 {places} 处截断：模型可在此给出该类型的任意值；"
                                   "调用前仍按工具自身的定义检查。",
    "schema_change.ref_unresolvable": "指向工具定义之外的引用（{keyword}）在 {places} 处替换为“任意值”；"
                                      "由工具自行检查该值。",
    "schema_change.defs_inlined": "定义（{keyword}）在内联到使用处后已省去。",
    "schema_change.nullable": "已去掉 {places} 处的“或 null”：模型会省略此类值而不是给出 null，因此它不再是必填项"
                              "（原为必填的，调用工具时以 null 传入）。",
    "schema_change.null_default": "{places} 处为 null 的默认值已随“或 null”一并省去。",
    "schema_change.one_of": "{places} 处的“oneOf”已改为聊天模型接受的“anyOf”；调用前仍按工具的定义检查恰好符合一种。",
    "schema_change.const": "{places} 处的“const”已改为只有一个值的“enum”。",
    "schema_change.type_list": "{places} 处的类型列表已改为“anyOf”。",
    "schema_change.all_of": "{places} 处的“allOf”已合并为一个定义。",
    "schema_change.all_of_conflict": "{places} 处“allOf”的各部分对“{keyword}”的规定不一致：提供给模型的是第一部分的值；"
                                     "调用前仍按全部规定检查。",
    "schema_change.exclusive_bound": "{places} 处整数的开区间边界（{keyword}）已改为闭区间边界。",
    "schema_change.dropped": "聊天模型不接受“{keyword}”，已在 {places} 处省去；调用前仍会按它检查参数。",
    "schema_change.annotation": "“{keyword}”只是对定义的说明（不做任何检查），已在 {places} 处省去。",
    "schema_change.never_allowed": "已省去定义禁止出现（false）的属性：{places}。",
    "schema_change.root_typed": "已为定义的根添加“type”: “object”，这是聊天模型的要求。",
    "schema_change.root_union": "根的多个可选形式（{keyword}）已合并为一个对象：模型可看到所有形式的属性，"
                                "只有所有形式都需要的属性才是必填项。调用前仍按工具的定义检查所选形式。",
    "schema_change.root_wrapped": "根不是对象，因此模型以属性“{keyword}”给出它；调用前会取出该值。",
    "schema_change.description_cut": "{places} 处超过 {keyword} 个字符的说明已截断。",
}
