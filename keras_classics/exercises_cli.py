"""``keras-classics exercises NAME``: a page's exercises as a handout, from
the site's own pages and macros (`keras_classics.exercises`)."""

from __future__ import annotations

import sys


def register(subparsers) -> None:
    from keras_classics.exercises import LANGUAGES, PAGES

    parser = subparsers.add_parser(
        "exercises",
        help="the site's exercises for a network or a concept, as Markdown or LaTeX (a handout)",
        description="The exercises of a page of the site, with the answers the package computes, "
        "for a handout. Runs in a clone of the repository (it reads the site's pages).",
    )
    parser.add_argument(
        "name",
        metavar="NAME",
        help=f"a page with exercises ({', '.join(PAGES)}) or a registered model (its family's page)",
    )
    parser.add_argument("--format", choices=("markdown", "latex"), default="markdown", help="default markdown")
    parser.add_argument("--answers", action="store_true", help="each answer under its question")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="en (default) or zh")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of the terminal")
    parser.set_defaults(handler=_exercises)


def _exercises(args) -> int:
    from keras_classics.cli import CommandError
    from keras_classics.exercises import ExercisesError, render

    try:
        text = render(args.name, args.format, args.lang, args.answers)
    except ExercisesError as error:
        raise CommandError(str(error)) from None
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
