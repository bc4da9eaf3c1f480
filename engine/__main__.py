"""`python -m engine` runs the `gongdan` command line."""
from engine.cli import main

main()
