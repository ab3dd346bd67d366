// Bundle writer: placeholder.
