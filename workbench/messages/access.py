"""Who may do what with teams and knowledge bases, and what their settings accept (workbench/kb: access, teams,
sharing, bases): en and zh templates by code, plain data.

A code with a variant (``owner_stays.leave``) is one of several sentences callers see under one code
(``owner_stays``). ``thing.*``, ``role.*``, ``you.*``, ``doing.*``, ``label.*`` and ``choices.*`` are never raised:
they are the words put in another message's field, said in the same language.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # what a refusal is about (access.not_found, access.clean_text, bases)
    "thing.team": "team",
    "thing.knowledge_base": "knowledge base",
    "thing.member": "team member",
    "thing.invite": "invite",
    "thing.share_link": "share link",
    "thing.grant": "grant",
    "thing.document": "document",
    "label.team_name": "team name",
    "label.kb_name": "knowledge base name",
    "label.description": "description",
    "label.chunk_tokens": "chunk size (tokens)",
    "label.chunk_overlap": "chunk overlap (tokens, at most half the chunk size)",
    # roles, the caller's and what the action needs (access.forbidden)
    "role.owner": "owner",
    "role.admin": "admin",
    "role.member": "member",
    "role.viewer": "viewer",
    "role.reader": "reader",
    "you.reader": "you may only read and chat (you are not in its team)",
    "you.role": "your role is {role}",
    "doing.kb.read": "open this knowledge base",
    "doing.kb.upload": "add, cancel, retry or delete documents",
    "doing.kb.manage": "change, delete, publish or share this knowledge base",
    "doing.team.view": "open this team",
    "doing.team.manage": "manage this team's members and knowledge bases",
    "doing.team.own": "delete the team or transfer its ownership",
    "doing.admins": "make or unmake admins",
    # refusals shared by the kb services (workbench/kb/access.py)
    "not_found.shared": "This {thing} does not exist or is not shared with you. Check the name or link, or ask its "
                        "team for access.",
    "forbidden.owner": "Only the team's owner can {doing}; {you}.",
    "forbidden": "To {doing} you need the {needed} role or higher in the team; {you}. Ask a team admin or the owner.",
    "invalid.text": "The {what} must be text.",
    "required.text": "Enter a {what}.",
    "too_long.text": "The {what} is {length} characters long; at most {limit} are allowed.",
    "invalid.expiry": "The expiry must be a positive time of at most ten years, or none (never expires).",
    # a knowledge base's settings (workbench/kb/bases.py)
    "invalid.whole": "The {what} must be a whole number from {low} to {high}.",
    "unknown_model": "Choose an embedding model from the catalogue: {choices}.",
    "choices.no_embedding_model": "none (ask an administrator to add an embedding model)",
    "name_taken.kb": "This team already has a knowledge base named “{name}”. Choose another name.",
    "model_in_use": "The embedding model cannot change while the knowledge base has documents (their vectors come "
                    "from the current model). Create a new knowledge base, or delete the documents first.",
    # teams, members and invites (workbench/kb/teams.py)
    "personal_space": "“{name}” is a personal space: it is yours alone and cannot have members, be left, deleted or "
                      "shared as a team. Create a team for working together.",
    "invite_invalid": "This invite link is not valid: it may have expired or been revoked. Ask the team for a new one.",
    "owner_by_transfer": "A team has one owner; to hand it over, transfer the ownership.",
    "owner_by_transfer.role": "The owner's role changes only by transferring the ownership to another member.",
    "invalid.role": "Choose a role: admin, member or viewer.",
    "name_taken.team": "You already have a team named “{name}”. Choose another name.",
    "team_has_knowledge_bases": "“{name}” still has {kbs} knowledge base(s). Delete them first, then delete the "
                                "team.",
    "unknown_user": "There is no active account named “{name}”. Check the username.",
    "already_member": "{name} is already a member of “{team}”; change their role instead.",
    "owner_stays.remove": "The owner cannot be removed. The owner can transfer the ownership first.",
    "owner_stays.leave": "You own this team: transfer the ownership to another member before leaving.",
    "invalid.already_owner": "You already own this team; choose another member.",
    # share links and grants (workbench/kb/sharing.py)
    "share_link_invalid": "This share link is not valid: it may have expired or been revoked. Ask whoever shared it "
                          "for a new one.",
    "personal_space.grant": "“{name}” is a personal space and cannot receive a grant as a team; grant the user "
                            "instead.",
    "own_team": "“{name}” owns this knowledge base: its members can already use it.",
}

ZH: dict[str, str] = {
    "thing.team": "团队",
    "thing.knowledge_base": "知识库",
    "thing.member": "团队成员",
    "thing.invite": "邀请",
    "thing.share_link": "分享链接",
    "thing.grant": "授权",
    "thing.document": "文档",
    "label.team_name": "团队名称",
    "label.kb_name": "知识库名称",
    "label.description": "描述",
    "label.chunk_tokens": "分块大小（token 数）",
    "label.chunk_overlap": "分块重叠（token 数，最多为分块大小的一半）",
    "role.owner": "所有者（owner）",
    "role.admin": "管理员（admin）",
    "role.member": "成员（member）",
    "role.viewer": "查看者（viewer）",
    "role.reader": "读者（reader）",
    "you.reader": "您只能阅读和对话（您不在其团队中）",
    "you.role": "您的角色是{role}",
    "doing.kb.read": "打开此知识库",
    "doing.kb.upload": "添加、取消、重试或删除文档",
    "doing.kb.manage": "修改、删除、发布或分享此知识库",
    "doing.team.view": "打开此团队",
    "doing.team.manage": "管理此团队的成员和知识库",
    "doing.team.own": "删除团队或转让所有权",
    "doing.admins": "设置或取消管理员",
    "not_found.shared": "该{thing}不存在或未与您共享。请检查名称或链接，或向其团队申请访问。",
    "forbidden.owner": "只有团队所有者（owner）才能{doing}；{you}。",
    "forbidden": "{doing}需要团队中的{needed}或更高角色；{you}。请联系团队管理员或所有者。",
    "invalid.text": "{what}必须是文本。",
    "required.text": "请输入{what}。",
    "too_long.text": "{what}有 {length} 个字符，最多允许 {limit} 个。",
    "invalid.expiry": "有效期必须为正，且不超过十年；也可不设（永不过期）。",
    "invalid.whole": "{what}必须是 {low} 到 {high} 之间的整数。",
    "unknown_model": "请从模型目录中选择嵌入模型：{choices}。",
    "choices.no_embedding_model": "无（请联系管理员添加嵌入模型）",
    "name_taken.kb": "该团队已有名为“{name}”的知识库，请换一个名称。",
    "model_in_use": "知识库中已有文档时不能更换嵌入模型（文档向量来自当前模型）。请新建知识库，或先删除文档。",
    "personal_space": "“{name}”是个人空间，仅属于您本人：不能添加成员、退出、删除或作为团队共享。需要协作请创建团队。",
    "invite_invalid": "此邀请链接无效：可能已过期或已被撤销。请向团队索取新的链接。",
    "owner_by_transfer": "团队只有一位所有者；如需移交，请转让所有权。",
    "owner_by_transfer.role": "所有者的角色只能通过把所有权转让给其他成员来改变。",
    "invalid.role": "请选择角色：管理员、成员或查看者。",
    "name_taken.team": "您已有名为“{name}”的团队，请换一个名称。",
    "team_has_knowledge_bases": "“{name}”还有 {kbs} 个知识库，请先删除它们，再删除团队。",
    "unknown_user": "没有名为“{name}”的有效账号，请检查用户名。",
    "already_member": "{name} 已是“{team}”的成员；如需调整请修改其角色。",
    "owner_stays.remove": "不能移除所有者。所有者可先转让所有权。",
    "owner_stays.leave": "您是此团队的所有者：请先把所有权转让给其他成员，再退出。",
    "invalid.already_owner": "您已是此团队的所有者，请选择其他成员。",
    "share_link_invalid": "此分享链接无效：可能已过期或已被撤销。请向分享者索取新的链接。",
    "personal_space.grant": "“{name}”是个人空间，不能作为团队接受授权；请直接授权给该用户。",
    "own_team": "“{name}”就是此知识库所属的团队，其成员已可使用。",
}
