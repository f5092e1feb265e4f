"""The shared header and the words every page uses for refusals."""

EN: dict[str, str] = {
    "shell.nav_home": "Home",
    "shell.nav_account": "My account",
    "shell.nav_usage": "Usage",
    "shell.nav_docs": "API docs",
    "shell.nav_admin": "Admin",
    "shell.sign_out": "Sign out",
    "shell.signed_in_as": "Signed in as **{name}** ({role})",
    "shell.role_admin": "administrator",
    "shell.role_member": "member",
    "shell.sign_in_again": "Your session has ended: sign in again.",
    "shell.admins_only": "Only administrators can do this.",
    "shell.cannot_do": "Cannot do that",
    "shell.failed": "Something went wrong; nothing was changed. Try again, or tell an administrator.",
}

ZH: dict[str, str] = {
    "shell.nav_home": "首页",
    "shell.nav_account": "我的账户",
    "shell.nav_usage": "用量",
    "shell.nav_docs": "API 文档",
    "shell.nav_admin": "管理",
    "shell.sign_out": "退出登录",
    "shell.signed_in_as": "当前用户：**{name}**（{role}）",
    "shell.role_admin": "管理员",
    "shell.role_member": "成员",
    "shell.sign_in_again": "登录已失效，请重新登录。",
    "shell.admins_only": "只有管理员可以执行此操作。",
    "shell.cannot_do": "无法完成",
    "shell.failed": "出现错误，未做任何更改。请重试，或联系管理员。",
}
