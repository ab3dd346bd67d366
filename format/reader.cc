// Bundle reader: placeholder.
