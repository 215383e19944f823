-- Stop every SailPoint call for this object until it is resumed.
if obj.spec == nil then
  obj.spec = {}
end
obj.spec.suspend = true
return obj
