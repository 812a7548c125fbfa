/** The text of `agent-orchestrator --help`. */
export const USAGE = `Usage: agent-orchestrator <command> [options]

Commands:
  validate <file>   Check an orchestrator.yaml as loadConfig() does, and load each
                    agent's module: to check its export. Exit 0 when valid, 1 when not
                    (the errors on stderr, with file:line:column and key path).
  schema            Print the JSON Schema of orchestrator.yaml.

Options:
  --skip-modules    validate: do not import the agents' modules (importing runs their code)
  -h, --help        Show this help.
  -v, --version     Show the version.

Exit codes: 0 ok, 1 invalid configuration, 2 wrong command line.`;
