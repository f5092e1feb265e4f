"""What the MCP hub's installs and running servers say (workbench/mcp/installs.py, inputs.py, launch.py,
processes.py): en and zh by code, plain data.

``mcp_install.<code>``: an install refused or failed, a value for a server refused (``{name}`` is its key, such as
``env.API_TOKEN``), a server that did not start or stopped. The caller's ``code`` is the part after
``mcp_install.``.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # who and what
    "mcp_install.admins_only": "Only an administrator can install, configure, start or stop MCP servers.",
    "mcp_install.not_stdio": "This entry has no package that runs over stdio: only a PyPI or npm package with "
                             "transport “stdio” can be installed here (a remote server is registered instead).",
    "mcp_install.no_package_index": "The entry has no package number {index}.",
    "mcp_install.busy": "“{name}” is being installed already. Wait for it to end, or cancel it.",
    "mcp_install.already_installed": "“{name}” is installed already. Uninstall it first to install it again.",
    "mcp_install.not_installed": "This MCP server is not installed.",
    "mcp_install.not_running_install": "No install of this server is running.",
    # values
    "mcp_install.value_unknown": "The server does not ask for “{name}”.",
    "mcp_install.value_type": "{name}: give text (a list only for an argument that may be repeated).",
    "mcp_install.value_required": "{name} is required: give a value.",
    "mcp_install.value_too_long": "{name} is too long: at most {most} characters.",
    "mcp_install.value_control": "{name} contains control characters (a line break, a tab or invisible marks); "
                                 "remove them.",
    "mcp_install.value_choice": "{name} must be one of: {choices}.",
    "mcp_install.value_number": "{name} must be a number.",
    "mcp_install.value_boolean": "{name} must be true or false.",
    "mcp_install.value_dash": "{name} may not begin with “-”: the server would read it as an option.",
    # the install's outcome
    "mcp_install.no_version": "The package index has no {package} version {version} (or none that installs on "
                              "this machine). Check the entry's package version.",
    "mcp_install.no_package": "The package index has no package {package}. Check the entry's package name.",
    "mcp_install.unreachable": "{tool} could not reach the package index. Check this server's network, proxy or "
                               "configured mirror, then install again.",
    "mcp_install.step_failed": "The {step} step failed (exit code {exit_code}): {detail} See the install log.",
    "mcp_install.missing_tool": "“{tool}” is not installed on this server; an administrator must install it first.",
    "mcp_install.timeout": "The install took longer than {seconds} seconds and was stopped. Try again, or allow "
                           "more time.",
    "mcp_install.interrupted": "The install was cut short when the workbench stopped. Install it again.",
    "mcp_install.unexpected": "The install failed unexpectedly ({detail}). See the workbench's log.",
    # finding the program to start
    "mcp_install.no_distribution": "{package} is not installed in the server's directory. Install it again.",
    "mcp_install.no_script": "{package} installs no program to start.",
    "mcp_install.many_scripts": "{package} installs several programs ({names}); the catalogue entry must name the "
                                "one to start (_meta launch.script).",
    "mcp_install.no_such_script": "{package} installs no program “{name}” (it has: {names}).",
    "mcp_install.script_missing": "The program {path} is missing or lies outside the package. Install it again.",
    "mcp_install.bad_launch": "The entry's launch {name} is not a program or module name.",
    "mcp_install.no_node": "Node.js (node) is not installed on this server; an administrator must install it.",
    # running
    "mcp_install.start_timeout": "The server did not answer within {seconds} seconds of starting. See its log; a "
                                 "slow first start may need a longer start timeout.",
    "mcp_install.start_exited": "The server ended while starting (exit code {exit_code}). See its log.",
    "mcp_install.start_failed": "The server could not be started or did not speak MCP: {detail}",
    "mcp_install.exited": "The server ended (exit code {exit_code}).",
    "mcp_install.gave_up": "The server ended {times} times in a row soon after starting, so it is no longer "
                           "restarted. See its log, then start it again.",
    "mcp_install.not_running": "This MCP server is not running. An administrator can start it.",
}

ZH: dict[str, str] = {
    "mcp_install.admins_only": "只有管理员可以安装、配置、启动或停止 MCP 服务器。",
    "mcp_install.not_stdio": "此条目没有通过 stdio 运行的软件包：这里只能安装传输方式为“stdio”的 PyPI 或 npm 包"
                             "（远程服务器请改为注册）。",
    "mcp_install.no_package_index": "此条目没有编号为 {index} 的软件包。",
    "mcp_install.busy": "“{name}”正在安装中。请等待完成，或取消安装。",
    "mcp_install.already_installed": "“{name}”已经安装。要重新安装，请先卸载。",
    "mcp_install.not_installed": "此 MCP 服务器尚未安装。",
    "mcp_install.not_running_install": "此服务器没有正在进行的安装。",
    "mcp_install.value_unknown": "该服务器不需要“{name}”。",
    "mcp_install.value_type": "{name}：请填写文本（只有可重复的参数才能填写列表）。",
    "mcp_install.value_required": "{name} 为必填项：请填写。",
    "mcp_install.value_too_long": "{name} 太长：最多 {most} 个字符。",
    "mcp_install.value_control": "{name} 含有控制字符（换行、制表符或不可见标记），请删除。",
    "mcp_install.value_choice": "{name} 必须是以下之一：{choices}。",
    "mcp_install.value_number": "{name} 必须是数字。",
    "mcp_install.value_boolean": "{name} 必须是 true 或 false。",
    "mcp_install.value_dash": "{name} 不能以“-”开头：服务器会把它当作选项。",
    "mcp_install.no_version": "软件包索引中没有 {package} 的 {version} 版本（或没有能在本机安装的版本）。"
                              "请检查条目中的软件包版本。",
    "mcp_install.no_package": "软件包索引中没有软件包 {package}。请检查条目中的软件包名称。",
    "mcp_install.unreachable": "{tool} 无法连接软件包索引。请检查本服务器的网络、代理或所配置的镜像，然后重新安装。",
    "mcp_install.step_failed": "{step} 步骤失败（退出码 {exit_code}）：{detail} 详见安装日志。",
    "mcp_install.missing_tool": "本服务器未安装“{tool}”，需要管理员先安装。",
    "mcp_install.timeout": "安装超过 {seconds} 秒，已停止。请重试，或放宽时间限制。",
    "mcp_install.interrupted": "工作台停止时安装被中断。请重新安装。",
    "mcp_install.unexpected": "安装意外失败（{detail}）。详见工作台日志。",
    "mcp_install.no_distribution": "服务器目录中没有安装 {package}。请重新安装。",
    "mcp_install.no_script": "{package} 没有安装可启动的程序。",
    "mcp_install.many_scripts": "{package} 安装了多个程序（{names}）；目录条目必须指明要启动哪一个"
                                "（_meta launch.script）。",
    "mcp_install.no_such_script": "{package} 没有名为“{name}”的程序（已有：{names}）。",
    "mcp_install.script_missing": "程序 {path} 不存在或位于软件包之外。请重新安装。",
    "mcp_install.bad_launch": "条目中的启动项 {name} 不是有效的程序名或模块名。",
    "mcp_install.no_node": "本服务器未安装 Node.js（node），需要管理员安装。",
    "mcp_install.start_timeout": "服务器启动后 {seconds} 秒内没有应答。请查看其日志；首次启动较慢时可能需要"
                                 "更长的启动超时。",
    "mcp_install.start_exited": "服务器在启动过程中退出（退出码 {exit_code}）。请查看其日志。",
    "mcp_install.start_failed": "服务器无法启动，或不支持 MCP 协议：{detail}",
    "mcp_install.exited": "服务器已退出（退出码 {exit_code}）。",
    "mcp_install.gave_up": "服务器连续 {times} 次在启动后不久退出，已不再自动重启。请查看其日志，然后重新启动。",
    "mcp_install.not_running": "此 MCP 服务器未在运行。管理员可以启动它。",
}
