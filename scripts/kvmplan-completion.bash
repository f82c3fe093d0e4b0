# bash completion for kvmplan: commands, their options, the values of options that take a fixed
# set, and files (scenario YAML, plans, XML) everywhere else.
#
#   source scripts/kvmplan-completion.bash       # this shell
#   cp scripts/kvmplan-completion.bash /usr/share/bash-completion/completions/kvmplan   # every shell
#
# Hand-written and kept in step with src/cli/cli.cpp by tests/completion_test.cpp, which checks
# that every option `kvmplan COMMAND --help` lists is offered here.

_kvmplan() {
  local cur prev
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev=""
  ((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD - 1]}"

  local commands="size place check show drain diff whatif headroom import export help"
  local common="--baseline --objective --set -q --quiet -h --help"

  # The command (and import's or export's own), the first words that are no option.
  local cmd="" sub="" i word
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    if [[ -z "$cmd" ]]; then
      cmd="$word"
    elif [[ -z "$sub" && ( "$cmd" == import || "$cmd" == export || "$cmd" == help ) ]]; then
      sub="$word"
    fi
  done

  if [[ -z "$cmd" ]]; then
    if [[ "$cur" == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "--help --version" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
    fi
    return 0
  fi

  # Values of options that take a fixed set; files for the others that take a path.
  case "$prev" in
    --baseline) mapfile -t COMPREPLY < <(compgen -W "rhel5 rhel6 rhel7 rhel9 none" -- "$cur"); return 0 ;;
    --objective) mapfile -t COMPREPLY < <(compgen -W "pack spread" -- "$cur"); return 0 ;;
    --per) mapfile -t COMPREPLY < <(compgen -W "host guest" -- "$cur"); return 0 ;;
    --hosts) mapfile -t COMPREPLY < <(compgen -W "auto all" -- "$cur"); return 0 ;;
    --sort) mapfile -t COMPREPLY < <(compgen -W "name swap committed memory-ratio cpu-ratio guests ram headroom" -- "$cur"); return 0 ;;
    --format)
      case "$cmd" in
        size) mapfile -t COMPREPLY < <(compgen -W "text json markdown csv html" -- "$cur") ;;
        place) mapfile -t COMPREPLY < <(compgen -W "yaml json" -- "$cur") ;;
        whatif) mapfile -t COMPREPLY < <(compgen -W "text json csv" -- "$cur") ;;
        *) mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur") ;;
      esac
      return 0 ;;
    --set | --top | --host | --retire | --effort | --max-moves | --grow | --sweep | --flavor | -j | --jobs | --name | --node-memory)
      COMPREPLY=()
      return 0 ;;
    --domains)
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return 0 ;;
    -o | --output)
      if [[ "$cmd" == export ]]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      fi
      return 0 ;;
    --placement | --from | --order)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return 0 ;;
  esac

  local options=""
  case "$cmd" in
    size) options="$common --format --per --sort --top --host --hosts -o --output --effort --placement" ;;
    place) options="$common --format -o --output --effort --failures --from --max-moves --retire --order" ;;
    check) options="$common --placement" ;;
    show) options="--host -o --output -q --quiet -h --help" ;;
    drain) options="$common --placement --host --format -o --output" ;;
    diff) options="--format -o --output -q --quiet -h --help" ;;
    whatif) options="$common --effort --grow --sweep --format -o --output -j --jobs" ;;
    headroom) options="$common --effort --placement --flavor --format -o --output --no-tiered" ;;
    import)
      case "$sub" in
        "") [[ "$cur" != -* ]] && { mapfile -t COMPREPLY < <(compgen -W "capabilities domain" -- "$cur"); return 0; }
            options="-h --help" ;;
        capabilities) options="--name --node-memory -o --output -q --quiet -h --help" ;;
        domain) options="--host -o --output -q --quiet -h --help" ;;
      esac ;;
    export)
      case "$sub" in
        "") [[ "$cur" != -* ]] && { mapfile -t COMPREPLY < <(compgen -W "libvirt host ansible" -- "$cur"); return 0; }
            options="-h --help" ;;
        libvirt | ansible) options="$common --placement --domains -o --output" ;;
        *) options="$common --placement -o --output" ;;
      esac ;;
    help)
      if [[ -z "$sub" ]]; then
        mapfile -t COMPREPLY < <(compgen -W "policy size place check show drain diff whatif headroom import export" -- "$cur")
      elif [[ "$sub" == import ]]; then
        mapfile -t COMPREPLY < <(compgen -W "capabilities domain" -- "$cur")
      elif [[ "$sub" == export ]]; then
        mapfile -t COMPREPLY < <(compgen -W "libvirt host ansible" -- "$cur")
      fi
      return 0 ;;
  esac

  if [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")  # scenario files, plans, XML, hosts to drain
  fi
  return 0
}

complete -o filenames -F _kvmplan kvmplan
