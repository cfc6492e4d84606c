"""The commands: the click interface, single and cohort builds, and the browser build with its in-page entry point."""
