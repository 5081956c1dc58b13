"""A batch command takes what its process holds as it starts its work out of the garbage collector's collections
(core.cli.freeze_heap, once per process): wxc_sdk's models are built without the collector walking them, and what
is made afterwards is collected as before. In a child process: a freeze lasts as long as the process that made it."""

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc, json, sys, weakref
    from transformacion.core.cli import freeze_heap

    full = []
    gc.callbacks.append(lambda phase, info: full.append(1) if phase == 'start' and info['generation'] == 2 else None)
    first, second = freeze_heap(), freeze_heap()
    frozen, enabled = gc.get_freeze_count(), gc.isenabled()

    class Node:
        pass

    node = Node()
    node.self = node  # a cycle made after the freeze: only the cyclic collector frees it
    alive = weakref.ref(node)
    del node
    gc.collect()
    print(json.dumps({'first': first, 'second': second, 'frozen': frozen, 'enabled': enabled,
                      'sdk': 'wxc_sdk' in sys.modules, 'full_collections': len(full) - 1,
                      'left': len(gc.get_objects()), 'cycle_freed': alive() is None}))
    """
)


def test_the_sdk_is_frozen_once_without_a_full_collection_and_what_comes_later_is_still_collected():
    done = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(done.stdout)
    assert found['first'] is True and found['second'] is False
    assert found['sdk'] and found['frozen'] > 50_000  # wxc_sdk's models among them
    assert found['full_collections'] == 0  # besides the explicit gc.collect() above
    assert found['enabled']
    assert found['left'] < 1_000  # a full collection no longer walks them
    assert found['cycle_freed']
