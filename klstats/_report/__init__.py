"""Top layer: the demo and reports (the command line is klstats._cli, next to __main__)."""
