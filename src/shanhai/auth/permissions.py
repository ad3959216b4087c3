"""Permissions: module × action, arranged as the menu-and-button tree that admins tick for a role."""

from __future__ import annotations

from dataclasses import dataclass, field

ACTION_LABELS = {
    "view": "查看",
    "create": "新增",
    "edit": "修改",
    "delete": "删除",
    "export": "导出",
    "import": "导入",
    "approve": "审核",
    "sensitive": "查看敏感信息",
}


@dataclass(frozen=True)
class Menu:
    code: str
    label: str
    actions: tuple[str, ...] = ()
    children: tuple[Menu, ...] = field(default_factory=tuple)

    def permissions(self) -> list[str]:
        own = [f"{self.code}:{a}" for a in self.actions]
        return own + [p for child in self.children for p in child.permissions()]


MENUS: tuple[Menu, ...] = (
    Menu("dashboard", "概览", ("view",)),
    Menu("programmes", "重点工作", ("view", "create", "edit", "delete", "export")),
    Menu("indicators", "指标数据", ("view", "create", "edit", "delete", "export", "import", "approve")),
    Menu("projects", "项目", ("view", "create", "edit", "delete", "export")),
    Menu("records", "工作台账", ("view", "create", "edit", "delete", "export")),
    Menu("enterprises", "企业库", ("view", "create", "edit", "delete", "export", "sensitive")),
    Menu("documents", "报告文档", ("view", "create", "delete")),  # upload and review reports
    Menu("people", "干部人才", ("sensitive",)),  # 身份证号、手机号: masked for everyone else
    Menu(
        "system",
        "系统管理",
        (),
        (
            Menu("users", "用户管理", ("view", "create", "edit", "delete", "export")),
            Menu("roles", "角色管理", ("view", "create", "edit", "delete", "export")),
            Menu("orgunits", "部门管理", ("view", "create", "edit", "delete", "export")),
            Menu("elements", "指标体系", ("view", "create", "edit", "delete", "export")),
            Menu("datasets", "数据集管理", ("view", "create", "edit", "delete", "export")),
            Menu("audit", "操作日志", ("view", "export")),
            Menu("logins", "登录日志", ("view", "export")),
        ),
    ),
)

ALL_PERMISSIONS: frozenset[str] = frozenset(p for menu in MENUS for p in menu.permissions())
# the set-up of the office (units, programmes, elements, data sets, roles): the system administrator's
SETUP = frozenset(
    p
    for p in ALL_PERMISSIONS
    if p.startswith(("users:", "roles:", "logins:", "orgunits:", "elements:", "datasets:"))
    or p in {"programmes:create", "programmes:edit", "programmes:delete"}
)
BUSINESS_VIEW = frozenset(
    {
        "dashboard:view",
        "programmes:view",
        "indicators:view",
        "projects:view",
        "records:view",
        "enterprises:view",
        "documents:view",
    }
)


def label(permission: str) -> str:
    module, _, action = permission.partition(":")
    names = {m.code: m.label for menu in MENUS for m in (menu, *menu.children)}
    return f"{names.get(module, module)} · {ACTION_LABELS.get(action, action)}"


def check_known(permissions: set[str]) -> None:
    unknown = permissions - ALL_PERMISSIONS
    if unknown:
        from shanhai.errors import Invalid

        raise Invalid(f"未知的权限：{'、'.join(sorted(unknown))}", field="permissions")
