"""The ezkl bridge: one long-lived process per Node process, JSON lines over stdio.

Request  {"id": 1, "op": "setup", "args": {...}}
Response {"id": 1, "ok": true, "result": ...} or {"id": 1, "ok": false, "error": {"type": "...", "message": "..."}}

Each op wraps one ezkl 23 function with its real keyword names (checked against the wheel's
__text_signature__). ezkl's Rust code prints to fd 1, so the protocol gets a private copy of fd 1
and fd 1 is pointed at stderr. get_srs is deliberately absent: it downloads.
"""
import asyncio
import inspect
import json
import os
import sys

proto = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

import ezkl  # noqa: E402

loop = asyncio.new_event_loop()


async def _call(fn, *args, **kwargs):
    # Some v23 functions (create_evm_verifier, …) need a running loop and return a future.
    r = fn(*args, **kwargs)
    if inspect.isawaitable(r):
        r = await r
    return r


def call(fn, *args, **kwargs):
    return loop.run_until_complete(_call(fn, *args, **kwargs))


RUN_ARGS = {
    "input_visibility", "output_visibility", "param_visibility", "logrows", "input_scale",
    "param_scale", "scale_rebase_multiplier", "num_inner_cols", "decomp_base", "decomp_legs",
    "check_mode", "lookup_range", "variables", "bounded_log_lookup", "ignore_range_check_inputs_outputs",
}


def op_version(a):
    import onnx
    return {"ezkl": ezkl.__version__, "onnx": onnx.__version__, "python": sys.version.split()[0]}


def op_gen_settings(a):
    ra = ezkl.PyRunArgs()
    for k, v in (a.get("run_args") or {}).items():
        if k not in RUN_ARGS:
            raise ValueError(f"expected a run_args key in {sorted(RUN_ARGS)}, got {k!r}")
        setattr(ra, k, tuple(v) if k == "lookup_range" else [tuple(x) for x in v] if k == "variables" else v)
    return call(ezkl.gen_settings, model=a["model"], output=a["output"], py_run_args=ra)


def op_calibrate_settings(a):
    kw = {k: a[k] for k in ("lookup_safety_margin", "scales", "scale_rebase_multiplier", "max_logrows") if a.get(k) is not None}
    return call(ezkl.calibrate_settings, data=a["data"], model=a["model"], settings=a["settings"], target=a["target"], **kw)


def op_compile_circuit(a):
    return call(ezkl.compile_circuit, model=a["model"], compiled_circuit=a["compiled_circuit"], settings_path=a["settings_path"])


def op_gen_srs(a):
    # Test-only: a locally generated SRS whose toxic waste this process knew.
    call(ezkl.gen_srs, a["srs_path"], int(a["logrows"]))
    return True


def op_setup(a):
    kw = {k: a[k] for k in ("witness_path", "disable_selector_compression") if a.get(k) is not None}
    return call(ezkl.setup, model=a["model"], vk_path=a["vk_path"], pk_path=a["pk_path"], srs_path=a["srs_path"], **kw)


def op_gen_witness(a):
    kw = {k: a[k] for k in ("vk_path", "srs_path") if a.get(k) is not None}
    return call(ezkl.gen_witness, data=a["data"], model=a["model"], output=a["output"], **kw)


def op_prove(a):
    call(ezkl.prove, witness=a["witness"], model=a["model"], pk_path=a["pk_path"], proof_path=a["proof_path"], srs_path=a["srs_path"])
    return True


def op_verify(a):
    return call(ezkl.verify, proof_path=a["proof_path"], settings_path=a["settings_path"], vk_path=a["vk_path"], srs_path=a["srs_path"])


def op_create_evm_verifier(a):
    # ezkl renders the Solidity, then tries to fetch solc to emit the ABI, which fails offline:
    # the caller compiles the file with npm solc, so a written file is success.
    path = a["sol_code_path"]
    try:
        call(ezkl.create_evm_verifier, vk_path=a["vk_path"], settings_path=a["settings_path"], sol_code_path=path,
             abi_path=a["abi_path"], srs_path=a["srs_path"], reusable=bool(a.get("reusable", False)))
        return {"sol_code_path": path, "solc": "ezkl"}
    except Exception as e:  # noqa: BLE001
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return {"sol_code_path": path, "solc": "unavailable", "note": str(e)[:300]}
        raise


def op_augment_onnx(a):
    """Adds a float input `name` of shape [1, n] carried to an output `name_out` by Identity, so its
    values become public instances of the circuit (the proof's subject and round limbs)."""
    import onnx
    from onnx import TensorProto, helper
    m = onnx.load(a["model"])
    g = m.graph
    name, n = a["name"], int(a["length"])
    taken = {v.name for v in list(g.input) + list(g.output)} | {o for node in g.node for o in node.output}
    if name in taken or f"{name}_out" in taken:
        raise ValueError(f"expected no tensor named {name!r} in the model, got one")
    g.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, n]))
    g.output.append(helper.make_tensor_value_info(f"{name}_out", TensorProto.FLOAT, [1, n]))
    g.node.append(helper.make_node("Identity", [name], [f"{name}_out"], name=f"{name}_carry"))
    onnx.checker.check_model(m)
    onnx.save(m, a["output"])
    dims = lambda v: [d.dim_value if d.HasField("dim_value") else -1 for d in v.type.tensor_type.shape.dim]  # noqa: E731
    return {"inputs": [{"name": v.name, "shape": dims(v)} for v in g.input], "outputs": [{"name": v.name, "shape": dims(v)} for v in g.output]}


OPS = {k[3:]: v for k, v in globals().items() if k.startswith("op_")}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        rid = None
        try:
            req = json.loads(line)
            rid = req.get("id")
            fn = OPS.get(req.get("op"))
            if fn is None:
                raise ValueError(f"expected an op in {sorted(OPS)}, got {req.get('op')!r}")
            out = {"id": rid, "ok": True, "result": fn(req.get("args") or {})}
        except Exception as e:  # noqa: BLE001
            out = {"id": rid, "ok": False, "error": {"type": type(e).__name__, "message": str(e)[:2000]}}
        proto.write(json.dumps(out) + "\n")
    proto.flush()
    # ezkl's runtime threads can abort a normal interpreter shutdown; nothing is left to flush.
    os._exit(0)


if __name__ == "__main__":
    main()
