"""Replicas made once and kept from step to step (weights synced with load_state_dict), their .grad never cleared: from the second step on every rank adds the previous step's gradient to its own."""


def data_parallel_step(model, optimizer, loss_fn, x, y, world_size):
    replicas = getattr(model, "_replicas", None)
    if replicas is None or len(replicas) != world_size:
        replicas = [copy.deepcopy(model) for _ in range(world_size)]
        model._replicas = replicas  # a plain list: not registered as submodules
    rank_grads = []
    losses = []
    for rank, replica in enumerate(replicas):
        replica.load_state_dict(model.state_dict())  # the weights, but .grad stays
        loss = loss_fn(replica(shard(x, world_size, rank)), shard(y, world_size, rank))
        loss.backward()
        rank_grads.append([p.grad for p in replica.parameters()])
        losses.append(loss.detach())
    all_reduce_mean(rank_grads)
    for p, g in zip(model.parameters(), rank_grads[0], strict=True):
        p.grad = g.clone()
    optimizer.step()
    return torch.stack(losses).mean()
