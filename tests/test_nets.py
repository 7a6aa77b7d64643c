"""app.nets: AlexNet's architecture table is derived from convcore.layers and agrees with torch."""

from __future__ import annotations

import torch

from app import nets, server
from convcore.nets import alexnet as ax


def test_the_architecture_table_matches_the_real_model_layer_by_layer():
    table = nets.architecture()
    model = ax.untrained_alexnet(seed=0, keep_dense=True)
    x = torch.zeros(1, 3, 224, 224)
    features = table[table.kind != "dense"]
    assert list(features.layer) == [layer.name for layer in ax.LAYERS]
    for (_, row), module in zip(features.iterrows(), model.features):
        x = module(x)
        assert row["parameters"] == sum(p.numel() for p in module.parameters()), row["layer"]
        assert row["output shape"] == " x ".join(map(str, x.shape[1:])), row["layer"]
    dense = table[table.kind == "dense"]
    linear = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    assert list(dense.parameters) == [sum(p.numel() for p in m.parameters()) for m in linear]
    assert int(table.parameters.sum()) == 61_100_840 == sum(p.numel() for p in model.parameters())
    assert list(table[table.layer.isin(["conv1", "pool1", "conv2", "pool5"])]["receptive field (px)"]) == [
        11,
        19,
        51,
        195,
    ]


def test_torch_runs_with_the_servers_thread_count_whichever_page_came_first():
    server.use_torch()
    assert torch.get_num_threads() == server.TORCH_THREADS
