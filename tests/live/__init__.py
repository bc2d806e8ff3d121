"""Tests of live sessions: launch, attach, debug, test, execution control and snapshots."""
