#!/usr/bin/python3
"""Writes the messages marked in Mustache templates as a PO template on stdout.

The markers are those src/i18n.c expands when it loads a template:
  {{#t}}text{{/t}}                    one message, "text"
  {{#t COUNT}}one{{|}}other{{/t}}     a message with plural forms, chosen by COUNT
White space runs inside a marker become one space, as i18n.c does, and a comment
{{! TRANSLATORS: ... }} just before a marker becomes its note for translators.
usage: extract-templates.py TEMPLATE...
"""
import re
import sys

MARK = re.compile(r'\{\{#t( [^ {}\n]+)?\}\}(.*?)\{\{/t\}\}', re.S)
NOTE = re.compile(r'\{\{!\s*TRANSLATORS:(.*?)\}\}', re.S)


def collapse(text):
    return ' '.join(text.split())


def quote(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\t', '\\t').replace('\n', '\\n') + '"'


def main(paths):
    entries = {}  # (msgid, plural) -> [locations, notes]
    order = []
    for path in paths:
        src = open(path, encoding='utf-8').read()
        notes = [(m.end(), collapse(m.group(1))) for m in NOTE.finditer(src)]
        for m in MARK.finditer(src):
            body = m.group(2)
            if m.group(1):
                if body.count('{{|}}') != 1:
                    sys.exit('%s: a plural marker needs one {{|}}' % path)
                one, other = (collapse(x) for x in body.split('{{|}}'))
            else:
                one, other = collapse(body), None
            if not one:
                sys.exit('%s: an empty marker' % path)
            line = src.count('\n', 0, m.start()) + 1
            note = [n for end, n in notes if 0 <= m.start() - end <= 2]
            key = (one, other)
            if key not in entries:
                entries[key] = [[], []]
                order.append(key)
            entries[key][0].append('%s:%d' % (path, line))
            entries[key][1].extend(n for n in note if n not in entries[key][1])
    out = sys.stdout
    out.write('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
              '"Content-Transfer-Encoding: 8bit\\n"\n\n')
    for key in order:
        locs, notes = entries[key]
        for n in notes:
            out.write('#. TRANSLATORS: %s\n' % n)
        out.write('#: %s\n' % ' '.join(locs))
        one, other = key
        if '{{' in one or (other and '{{' in other):
            out.write('#, no-c-format\n')
        out.write('msgid %s\n' % quote(one))
        if other is None:
            out.write('msgstr ""\n\n')
        else:
            out.write('msgid_plural %s\nmsgstr[0] ""\nmsgstr[1] ""\n\n' % quote(other))


if __name__ == '__main__':
    main(sys.argv[1:])
