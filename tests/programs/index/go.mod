// Not "index": Go 1.19 would take that for the standard library's index directory.
module indexcrash

go 1.19
