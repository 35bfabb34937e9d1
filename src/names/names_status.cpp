// Anchor so the library exists before every parser has landed.
