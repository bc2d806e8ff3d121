module snapshot

go 1.19
