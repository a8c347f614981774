"""Pure rules of the domain: types, enums, errors, roles, limits, validators. No I/O."""
