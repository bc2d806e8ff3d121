module example.com/cronfault

go 1.19

require (
	github.com/robfig/cron/v3 v3.0.1
	golang.org/x/time v0.3.0
)
