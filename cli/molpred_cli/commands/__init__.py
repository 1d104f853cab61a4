"""One module per ``molpred`` command; each parses its options, calls one library function
and renders the result."""
