/**
 * `zkml <command> [args]`: each command is one file in ./commands exporting
 * `run(argv: string[]): Promise<number | void>` (the exit code); its one-line summary lives in
 * ./commandTable.ts so `zkml --help` imports no command at all.
 * Commands load lazily so `zkml worker` never pays for the compiler's imports and vice versa, and each
 * prints its own `--help` before importing anything heavy.
 */
import { commandTable, type CommandName } from './commandTable.ts'
import { debugRequested, formatCliError } from './reportError.ts'

type Command = { run(argv: string[]): Promise<number | undefined> }

const dir = new URL('./commands/', import.meta.url)
const names = (Object.keys(commandTable) as CommandName[]).sort()
const isCommand = (n: string): n is CommandName => Object.hasOwn(commandTable, n)

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = ['usage: zkml <command> [options]', '', 'commands:']
    for (const n of names) lines.push(`  ${n.padEnd(10)} ${commandTable[n]}`)
    lines.push('', 'zkml <command> --help for a command\'s options')
    console.log(lines.join('\n'))
    return name ? 0 : 1
  }
  if (!isCommand(name)) {
    console.error(`zkml: unknown command "${name}"; expected one of: ${names.join(', ')}`)
    return 2
  }
  const cmd = (await import(new URL(`${name}.ts`, dir).href)) as Command
  return (await cmd.run(rest)) ?? 0
}

// `--debug` is global: taken off before the command's strict parser sees it.
const argv = process.argv.slice(2)
const debug = debugRequested(argv)
// Long-running commands (serve, worker, oracle) fail outside main's promise too: same format, same exit code.
for (const event of ['uncaughtException', 'unhandledRejection'] as const)
  process.on(event, (err: unknown) => {
    console.error(formatCliError(err, debug))
    process.exit(1)
  })
main(argv.filter((a) => a !== '--debug')).then(
  (code) => process.exit(code),
  (err) => {
    console.error(formatCliError(err, debug))
    process.exit(1)
  },
)
