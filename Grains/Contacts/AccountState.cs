using Grains.Interfaces.Contacts;
using Grains.Resources;

namespace Grains.Contacts;

/// <summary>An account's persisted state: nothing but the resource's (<see cref="ResourceState{TRecord}"/>).</summary>
[GenerateSerializer, Alias("accounts.state")]
public sealed class AccountState : ResourceState<AccountView>;
