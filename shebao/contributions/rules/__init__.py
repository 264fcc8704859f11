"""Pure contribution rules: no Django import (enforced by import-linter)."""
