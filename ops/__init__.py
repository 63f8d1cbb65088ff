"""Operations scripts (docs/operations.md)."""
