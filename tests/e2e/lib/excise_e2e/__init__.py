"""excise end-to-end test library: real roots, real .debs, manifests, the excise runner.

    import sys, os
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
    from excise_e2e import *

See tests/e2e/README.md.
"""

from ._util import ToolError, make_temp_dir, remove_temp_dir, run_tool, show
from .acl import ACCESS as ACL_ACCESS, DEFAULT as ACL_DEFAULT, decode_acl, encode_acl
from .debbuild import Deb, File, build_deb, unit_text
from .globs import Matcher
from .manifest import Difference, Entry, Manifest, assert_same, compare, format_time, record
from .roots import Root, make_root
from .runner import (Result, excise_argv, excise_bin, have_excise, parse_json, require_excise,
                     run, run_and_kill, run_excise)
from .scenario import (PLAYBOOK, ROLLBACK_RECORDS, RUN_RECORD_PARENTS, RUN_RECORDS,
                       SCRIPT_STATE_NLINK, SCRIPT_STATE_TREES, Scenario,
                       add_leftovers, describe_fake_product, make_fake_product, product_debs,
                       write_playbook)
from .views import accounts, diff_views, dpkg_packages, snapshot, unit_files, unit_state

__all__ = [
    "ToolError", "make_temp_dir", "remove_temp_dir", "run_tool", "show",
    "ACL_ACCESS", "ACL_DEFAULT", "decode_acl", "encode_acl",
    "Deb", "File", "build_deb", "unit_text",
    "Matcher",
    "Difference", "Entry", "Manifest", "assert_same", "compare", "format_time", "record",
    "Root", "make_root",
    "Result", "excise_argv", "excise_bin", "have_excise", "parse_json", "require_excise",
    "run", "run_and_kill", "run_excise",
    "PLAYBOOK", "ROLLBACK_RECORDS", "RUN_RECORD_PARENTS", "RUN_RECORDS",
    "SCRIPT_STATE_NLINK", "SCRIPT_STATE_TREES", "Scenario",
    "add_leftovers", "describe_fake_product", "make_fake_product", "product_debs",
    "write_playbook",
    "accounts", "diff_views", "dpkg_packages", "snapshot", "unit_files", "unit_state",
]
