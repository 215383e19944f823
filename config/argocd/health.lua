-- Argo CD health check for the mfa.identityops.dev kinds (SailPointTenant,
-- MfaProviderConfig, MfaKbaAnswers). It reads only the contract's conditions:
--   Suspended    spec.suspend is true
--   Progressing  no status yet, or status older than metadata.generation
--   Degraded     Stalled=True: only a change by the user can fix it
--   Healthy      Ready=True at the current generation
--   Progressing  anything else (Reconciling=True, transient errors, tenant not ready)
-- Only Lua's base library is used, so it runs without resource.customizations.useOpenLibs.
local hs = {}

local function condition(conditions, conditionType)
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function message(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return fallback
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end

local function current(c)
  return c ~= nil and tostring(c.observedGeneration) == tostring(generation)
end

local conditions = nil
if obj.status ~= nil then
  conditions = obj.status.conditions
end
local ready = condition(conditions, "Ready")
local stalled = condition(conditions, "Stalled")

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  if current(ready) and ready.reason == "Suspended" then
    hs.message = message(ready, "Reconciliation is suspended (spec.suspend)")
  else
    hs.message = "Reconciliation is suspended (spec.suspend)"
  end
  return hs
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end

if not current(ready) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile generation " .. tostring(generation)
  return hs
end

if stalled ~= nil and stalled.status == "True" and current(stalled) then
  hs.status = "Degraded"
  hs.message = message(stalled, message(ready, stalled.reason))
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = message(ready, "Ready")
  return hs
end

hs.status = "Progressing"
hs.message = message(ready, "Waiting for the operator")
return hs
