"""Sign-in and sign-out page strings (app/http/signin.py: a server-rendered page, not Gradio)."""

EN: dict[str, str] = {
    "signin.title": "Sign in · MaaS Workbench",
    "signin.heading": "Sign in to MaaS Workbench",
    "signin.username": "Username",
    "signin.password": "Password",
    "signin.submit": "Sign in",
    "signin.signed_out": "You are signed out.",
    "signin.sso": "Sign in with your institution's account",
    "signin.or": "or with a workbench password",
    "signin.sso_failed": "Single sign-on did not complete: {detail}",
    "signin.foreign_form": "This sign-in form came from another site, so it was not accepted: sign in here instead.",
    "signin.out_title": "Sign out · MaaS Workbench",
    "signin.out_heading": "Sign out of MaaS Workbench?",
    "signin.out_submit": "Sign out",
    "signin.out_foreign": ("The request to sign out came from another site, so you are still signed in. "
                           "Sign out here if you meant to."),
}

ZH: dict[str, str] = {
    "signin.title": "登录 · MaaS 工作台",
    "signin.heading": "登录 MaaS 工作台",
    "signin.username": "用户名",
    "signin.password": "密码",
    "signin.submit": "登录",
    "signin.signed_out": "你已退出登录。",
    "signin.sso": "使用单位统一身份认证登录",
    "signin.or": "或使用工作台密码登录",
    "signin.sso_failed": "统一身份认证登录未完成（{detail}）",
    "signin.foreign_form": "该登录表单来自其他网站，未被接受：请在此页登录。",
    "signin.out_title": "退出登录 · MaaS 工作台",
    "signin.out_heading": "退出 MaaS 工作台？",
    "signin.out_submit": "退出登录",
    "signin.out_foreign": "退出请求来自其他网站，你仍处于登录状态。如确需退出，请在此点击退出。",
}
