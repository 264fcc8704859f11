"""Pure benefit rule kernels (rules.md §4, §5): no Django import."""
