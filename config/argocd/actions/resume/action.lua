-- Resume the object and ask for a reconcile now, as flux resume does.
if obj.spec == nil then
  obj.spec = {}
end
obj.spec.suspend = false
if obj.metadata == nil then
  obj.metadata = {}
end
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["reconcile.fluxcd.io/requestedAt"] = os.date("!%Y-%m-%dT%XZ")
return obj
