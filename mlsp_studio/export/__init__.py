"""Exporters: a standalone PyTorch script and ONNX for inference."""
