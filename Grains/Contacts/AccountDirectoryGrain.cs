using Grains.Interfaces.Contacts;
using Grains.Projections;
using Grains.Resources;

namespace Grains.Contacts;

/// <summary>Lists one partition's accounts (filters: <c>tier</c>; the amount column is the fit score).</summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class AccountDirectoryGrain(IProjectionStore projections)
    : ResourceDirectoryGrain<AccountView>(projections, AccountKeys.ResourceType), IAccountDirectoryGrain;
