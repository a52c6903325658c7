# ruff: noqa  (one-off measurement script of stop 22, kept as run; see bench/embedder_checks/README.md)
import sys, shutil, json, importlib.util
from pathlib import Path
sys.path.insert(0, "/work/wt-docs")
spec = importlib.util.spec_from_file_location("export_onnx", "/work/wt-docs/packaging/export_onnx.py")
ex = importlib.util.module_from_spec(spec); spec.loader.exec_module(ex)
from engine.docs.embedder import resolve_location
from onnxruntime.quantization import quantize_dynamic, QuantType
import onnx
md = Path(resolve_location("all-MiniLM-L6-v2"))
base = Path("/tmp/docs-speed")
fp32 = base / "fp32.onnx"; unf = base / "unfused_fp32.onnx"
if not fp32.exists():
    ex._export(md, fp32); print(ex._fuse(md, fp32))
if not unf.exists():
    ex._export(md, unf)
m = onnx.load(str(fp32))
print(sorted({n.op_type for n in m.graph.node}))
names = [(n.name, n.op_type) for n in m.graph.node if n.op_type in ("Attention", "MatMul", "EmbedLayerNormalization", "Gather")]
print(names)
def variant(name, src, **kw):
    d = base / name / "all-MiniLM-L6-v2"; d.mkdir(parents=True, exist_ok=True)
    kw.setdefault("extra_options", {})["DefaultTensorType"] = onnx.TensorProto.FLOAT; quantize_dynamic(str(src), str(d / "model.onnx"), weight_type=QuantType.QInt8, **kw)
    print(name, (d / "model.onnx").stat().st_size)
variant("q8_fused", fp32, op_types_to_quantize=["MatMul", "Attention"])
variant("q8_fused_pc", fp32, per_channel=True, op_types_to_quantize=["MatMul", "Attention"])
variant("q8_unfused_pc", unf, per_channel=True, op_types_to_quantize=["MatMul"])
