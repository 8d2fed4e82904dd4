"""settings.json edits change only our entries: property tests over random settings files (hypothesis).

For any valid settings file, in any formatting (indent, number spellings like 2.50 and 1e3, escapes,
compact or not), `install` gives a file that parses to the expected merge and keeps everything outside
our entries byte for byte; `uninstall` after `install` restores the original bytes; backups are at
most one a day, older ones pruned.
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hook import install, jsonedit

NUMBERS = ["2.50", "1e3", "1E+2", "-0.0", "0", "42", "3.14159", "-17", "1.0", "6.02e-23", "100000000000000000000"]
KEYS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)

leaf = st.one_of(
    st.sampled_from(NUMBERS).map(lambda t: ("num", t)),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=10).map(lambda s: ("str", s)),
    st.sampled_from(["true", "false", "null"]).map(lambda t: ("lit", t)),
)
# a tree: ("num"|"str"|"lit", text) | ("arr", [tree]) | ("obj", [(key, tree)]) with unique keys
tree = st.recursive(
    leaf,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4).map(lambda xs: ("arr", xs)),
        st.dictionaries(KEYS, kids, max_size=4).map(lambda d: ("obj", list(d.items()))),
    ),
    max_leaves=12,
)
style = st.fixed_dictionaries({
    "indent": st.sampled_from(["", "  ", "    ", "\t"]),
    "ascii": st.booleans(),
    "colon": st.sampled_from([": ", ":", " : "]),
    "newline": st.sampled_from(["\n", "\r\n"]),
    "final": st.sampled_from(["", "\n", "\n\n", "  \n"]),
})


def fmt(node, st_, depth=0):
    kind, body = node
    if kind in ("num", "lit"):
        return body
    if kind == "str":
        return json.dumps(body, ensure_ascii=st_["ascii"])
    items = [fmt(v, st_, depth + 1) if kind == "arr" else
             json.dumps(v[0], ensure_ascii=st_["ascii"]) + st_["colon"] + fmt(v[1], st_, depth + 1) for v in body]
    o, c = ("[", "]") if kind == "arr" else ("{", "}")
    if not items:
        return o + c
    if not st_["indent"]:
        return o + ", ".join(items) + c
    nl, ind = st_["newline"], st_["indent"]
    inner = nl + ind * (depth + 1)
    return o + inner + ("," + inner).join(items) + nl + ind * depth + c


OURS_OLD = install.handler((2, 1, 259), ["/old/venv/bin/python3", "-I", "-S", "-c",
                                         'import sys;sys.path.insert(0,"/old/place");from hook.main import main;main()'])
FOREIGN = st.sampled_from([
    {"type": "command", "command": "say done", "timeout": 3},
    {"type": "command", "command": "guard.sh"},
    {"type": "command", "command": "/usr/bin/python3", "args": ["-c", "print(2.50)"]},
    {"type": "prompt", "prompt": "ok?"},
])
EVENT = st.sampled_from([*install.EVENTS, "WorktreeCreate", "MessageDisplay"])


def to_tree(value):
    """A plain JSON value as a tree (so hooks can be mixed into the random document)."""
    if isinstance(value, dict):
        return ("obj", [(k, to_tree(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("arr", [to_tree(v) for v in value])
    if isinstance(value, str):
        return ("str", value)
    return ("lit" if isinstance(value, bool) or value is None else "num", json.dumps(value))


group = st.fixed_dictionaries({"hooks": st.lists(FOREIGN, min_size=1, max_size=2)},
                              optional={"matcher": st.sampled_from(["", "Bash", "Edit|Write"])})
hooks_value = st.dictionaries(EVENT, st.lists(group, min_size=1, max_size=2), max_size=4)


@st.composite
def documents(draw, with_ours=False):
    other = draw(st.dictionaries(KEYS.filter(lambda k: k != "hooks"), tree, max_size=4))
    items = list(other.items())
    hooks = draw(hooks_value)
    if with_ours and draw(st.booleans()):
        ev = draw(st.sampled_from(sorted(install.EVENTS)))
        hooks.setdefault(ev, []).append({"hooks": [OURS_OLD]})
    if hooks or draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), ("hooks", to_tree(hooks)))
    s = draw(style)
    return draw(st.sampled_from(["", "\ufeff"])) + fmt(("obj", items), s) + s["final"]


def member_texts(text, skip=("hooks",)):
    root = jsonedit.spans(text)
    body = text.lstrip("\ufeff")
    return {k: body[ks:child.end] for k, ks, _ke, child in root.members if k not in skip}, \
        (body[:root.start], body[root.end:])


def group_texts(text):
    """The text of every hook group holding none of our handlers, per event."""
    root = jsonedit.spans(text)
    body = text.lstrip("\ufeff")
    out = {}
    for k, _ks, _ke, child in root.members:
        if k == "hooks":
            for ev, _s, _e, groups in child.members:
                out[ev] = [body[g.start:g.end] for g in groups.items
                           if not any(install.is_ours(h) for h in (g.value.get("hooks") or []))]
    return out


def write(cfg, text):
    cfg.mkdir(exist_ok=True)
    (cfg / "settings.json").write_bytes(text.encode("utf-8"))


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


@PROPS
@given(doc=documents(with_ours=True), version=st.sampled_from([None, "2.0.45", "2.1.100", "2.1.259"]))
def test_install_changes_only_our_entries(tmp_path_factory, doc, version):
    cfg = tmp_path_factory.mktemp("cfg")
    write(cfg, doc)
    expected = json.loads(doc.lstrip("\ufeff"))
    v = install.parse_version(version)
    h = install.handler(v)
    install.merged(expected, h, install.events_for(v))

    install.install(str(cfg), claude_version=version, detect=False)
    edited = (cfg / "settings.json").read_bytes().decode("utf-8")
    assert json.loads(edited.lstrip("\ufeff")) == expected
    assert edited.startswith("\ufeff") == doc.startswith("\ufeff")
    assert member_texts(edited) == member_texts(doc)  # every other setting, and the text around the object
    before, after = group_texts(doc), group_texts(edited)
    for ev, groups in before.items():
        assert after.get(ev, [])[: len(groups)] == groups  # every foreign hook group, in order, byte for byte
    assert install.install(str(cfg), claude_version=version, detect=False).changed is False


@PROPS
@given(doc=documents(with_ours=False), version=st.sampled_from([None, "2.1.259"]))
def test_uninstall_after_install_restores_the_original_bytes(tmp_path_factory, doc, version):
    parsed = json.loads(doc.lstrip("\ufeff"))
    if parsed.get("hooks") == {}:
        return  # an emptied "hooks" is removed with our last entry
    cfg = tmp_path_factory.mktemp("cfg")
    write(cfg, doc)
    install.install(str(cfg), claude_version=version, detect=False)
    install.uninstall(str(cfg))
    assert (cfg / "settings.json").read_bytes().decode("utf-8") == doc


@PROPS
@given(doc=tree.map(lambda t: fmt(t, {"indent": "  ", "ascii": False, "colon": ": ", "newline": "\n"})),
       new=tree.map(lambda t: json.loads(fmt(t, {"indent": "", "ascii": True, "colon": ":", "newline": "\n"}))))
def test_splice_always_parses_to_the_new_value(doc, new):
    out = jsonedit.splice(doc, new)
    assert json.loads(out) == new
    assert jsonedit.splice(doc, json.loads(doc)) == doc


def test_numbers_keep_their_spelling():
    text = '{\n    "cost": 2.50,\n    "big": 1e3,\n    "hooks": {}\n}\n'
    edit = install.update_settings(lambda s: s.setdefault("statusLine", {"type": "command", "command": "x"}),
                                   dry_run=True, config_dir=_cfg_with(text))
    out = edit.text.decode()
    assert '"cost": 2.50,' in out and '"big": 1e3,' in out
    assert out.endswith('    "statusLine": {\n        "type": "command",\n        "command": "x"\n    }\n}\n')


def _cfg_with(text):
    import tempfile

    d = tempfile.mkdtemp(prefix="settings-edit-")
    with open(os.path.join(d, "settings.json"), "w", encoding="utf-8") as fh:
        fh.write(text)
    return d


DAY = 86400.0
T0 = 1_800_000_000.0  # a fixed instant: backups are named by the day of `now`, never the wall clock


def test_one_backup_a_day_and_older_ones_pruned(tmp_path):
    cfg = tmp_path / "cfg"
    write(cfg, '{"model": "opus"}')
    legacy = cfg / "settings.json.bak-20200101-101010"  # an older installer's backup: ours too
    legacy.write_text("{}")
    foreign = cfg / "settings.json.bak"  # someone else's: never touched
    foreign.write_text("{}")
    for day in range(5):
        for version in ("2.0.45", "2.1.259"):  # two changes a day
            r = install.install(str(cfg), claude_version=version, now=T0 + day * DAY)
            assert r.changed and r.backup
    ours = install.backups(str(cfg / "settings.json"))
    assert len(ours) == install.KEEP_BACKUPS
    assert not legacy.exists() and foreign.exists()
    assert [os.path.basename(p)[-8:] for p in ours] == sorted(os.path.basename(p)[-8:] for p in ours)
    # the day's backup holds the day's first version (before the 2.0.45 install of that day)
    first_of_last_day = json.loads(open(ours[-1]).read())
    assert install.status_of(first_of_last_day) and "args" in next(iter(install.status_of(first_of_last_day).values()))[0]


def test_unchanged_settings_make_no_backup(tmp_path):
    cfg = tmp_path / "cfg"
    write(cfg, '{"model": "opus"}')
    install.install(str(cfg), claude_version="2.1.259", now=T0)
    install.install(str(cfg), claude_version="2.1.259", now=T0 + 3 * DAY)
    assert len(install.backups(str(cfg / "settings.json"))) == 1
