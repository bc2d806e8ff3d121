module custom

go 1.19
