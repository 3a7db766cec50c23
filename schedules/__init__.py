"""When things run: the job catalogue, the weekly trigger in the group's time zone, the runner."""
