"""招商引资: the annual task breakdown (任务分解表) handed to departments, on the register kit and the
lifecycle. Investment leads themselves are projects of kind investment (shanhai.projects)."""
