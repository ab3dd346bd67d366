// C API: placeholder.
