module badstrings

go 1.19
