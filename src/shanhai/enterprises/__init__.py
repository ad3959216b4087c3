"""企业库: enterprises, their qualifications and the support they receive, on the register kit."""
