"""Chinese labels for domain values (the web issue moves these into Flask-Babel)."""

from editorial.models import Role, State

STATE = {
    State.PROPOSED: "选题申报",
    State.TOPIC_APPROVED: "选题通过",
    State.TOPIC_REJECTED: "选题未通过",
    State.IN_PRODUCTION: "制作中",
    State.FIRST_REVIEW: "待初审",
    State.SECOND_REVIEW: "待复审",
    State.FINAL_REVIEW: "待终审",
    State.RETURNED: "退回修改",
    State.APPROVED: "可播",
    State.WITHDRAWN: "已撤销",
    State.PULLED: "已撤播",
}

ROLE = {
    Role.EDITOR_DIRECTOR: "编导",
    Role.PRODUCER: "制片人",
    Role.REVIEWER: "审片人",
    Role.FINAL_APPROVER: "终审",
    Role.LIAISON: "通联员",
    Role.SCHEDULER: "编排",
    Role.ADMIN: "管理员",
}
