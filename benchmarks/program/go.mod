module benchgoroutines

go 1.19
