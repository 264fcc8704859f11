"""Pure rules of the pension transfer (养老保险关系转移接续, rules.md §6): amounts, the
paying place, the temporary account and the state machine. No Django."""
