"""Reading input: YAML with line numbers, the profile and project models, the content library, the data files and the questions."""
