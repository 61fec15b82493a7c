#!/usr/bin/python3
"""Starts po/LANG.po from po/portal.pot: every message untranslated, under a header
that says whose review the translation awaits.  Used once per language by `make po`;
after that msgmerge keeps the file up to date and translators fill it.
usage: init-po.py LANG POT > LANG.po
"""
import sys

LANGS = {
    # code: (English name, gettext Language, Plural-Forms matching src/i18n.c's forms)
    'es': ('Spanish', 'es', 'nplurals=2; plural=(n != 1);'),
    'ja': ('Japanese', 'ja', 'nplurals=1; plural=0;'),
    'ko': ('Korean', 'ko', 'nplurals=1; plural=0;'),
    'zh-Hant': ('Chinese (Traditional)', 'zh_Hant', 'nplurals=1; plural=0;'),
}


def main(lang, pot):
    name, code, plurals = LANGS[lang]
    text = open(pot, encoding='utf-8').read()
    # The template's own header entry ends at its first blank line.
    body = text.split('\n\n', 1)[1] if '\n\n' in text else ''
    sys.stdout.write(
        '# %s translation of the Torrance Police Department community programs portal.\n'
        '# DRAFT: this translation is a draft for review by the City of Torrance\'s\n'
        '# certified translators. Until they have reviewed it, do not treat it as the\n'
        '# city\'s official wording. See docs/translation.md.\n'
        'msgid ""\n'
        'msgstr ""\n'
        '"Project-Id-Version: portal\\n"\n'
        '"Language: %s\\n"\n'
        '"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Content-Transfer-Encoding: 8bit\\n"\n'
        '"Plural-Forms: %s\\n"\n'
        '\n' % (name, code, plurals))
    if lang in ('ja', 'ko', 'zh-Hant'):
        # One form: msgstr[0] only.
        body = '\n'.join(l for l in body.split('\n') if not l.startswith('msgstr[1]'))
    sys.stdout.write(body)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
