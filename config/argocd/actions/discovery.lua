-- Argo CD resource actions for the mfa.identityops.dev kinds, in the style of Argo CD's own
-- actions for Flux's kinds. Every kind offers reconcile (reconcile.fluxcd.io/requestedAt);
-- MfaProviderConfig and MfaKbaAnswers also offer suspend while running and resume while
-- suspended. A SailPointTenant has no spec.suspend, so it offers reconcile only.
local actions = {}
actions["reconcile"] = {["disabled"] = false}
if obj.kind == "SailPointTenant" then
  return actions
end
local suspended = false
if obj.spec ~= nil and obj.spec.suspend == true then
  suspended = true
end
actions["suspend"] = {["disabled"] = suspended}
actions["resume"] = {["disabled"] = not suspended}
return actions
